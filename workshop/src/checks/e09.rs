//! Exercise 9: the token interceptors, refusing and admitting.

use tonic::{Code, Request, service::Routes};

use super::{expect_eq, failed};
use crate::{
    e09_auth::{TOKEN, VaultService, attach_token, check_token},
    harness::{self, Report},
    pb::{HelloRequest, vault_client::VaultClient, vault_server::VaultServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let server = VaultServer::with_interceptor(VaultService, check_token);
    let addr = harness::serve(Routes::new(server)).await?;
    let channel = harness::channel(addr).await?;
    let mut client = VaultClient::new(channel.clone());

    // A request carrying `authorization: {header}`, or none.
    let request = |header: Option<&str>| -> Result<Request<HelloRequest>, String> {
        let mut request = Request::new(HelloRequest::default());
        if let Some(header) = header {
            let value = header.parse().map_err(|_| "bad metadata")?;
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    };

    for (what, header) in [
        ("without a token", None),
        ("with a wrong token", Some("Bearer guess-123")),
        ("with the token but not as Bearer", Some(TOKEN)),
    ] {
        match client.open(request(header)?).await {
            Ok(_) => return Err(format!("a call {what} got into the vault: refuse it")),
            Err(status) if status.code() != Code::Unauthenticated => {
                return Err(format!(
                    "a call {what}: expected UNAUTHENTICATED, received {}",
                    harness::status_line(&status)
                ));
            }
            Err(status) if status.message().contains("guess-123") => {
                return Err(format!(
                    "the refusal repeats the wrong token ({:?}): never echo a token back",
                    status.message()
                ));
            }
            Err(status) => report.ok(format!(
                "a call {what} is refused: {}",
                harness::status_line(&status)
            )),
        }
    }

    let header = format!("Bearer {TOKEN}");
    let reply = client
        .open(request(Some(&header))?)
        .await
        .map_err(|status| failed(&format!("a call with `authorization: {header}`"), &status))?;
    expect_eq(
        "the vault's reply",
        "the vault is open",
        &reply.into_inner().message,
    )?;
    report.ok(format!("a call with `authorization: {header}` gets in"));

    let mut client = VaultClient::with_interceptor(channel, attach_token);
    client
        .open(HelloRequest::default())
        .await
        .map_err(|status| failed("a call through attach_token", &status))?;
    report.ok("the client's attach_token adds the token to its calls");
    Ok(())
}
