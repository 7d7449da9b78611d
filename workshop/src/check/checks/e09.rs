//! Exercise 9: the token interceptors, refusing and admitting.
//!
//! Likely mistakes, each named: a check that lets in a missing, wrong or
//! bare token (`contains` instead of the whole value); another code than
//! UNAUTHENTICATED (PERMISSION_DENIED); the wrong token repeated in the
//! refusal; the right header refused (comparing with TOKEN, without
//! "Bearer "); a client interceptor that forgets "Bearer ".

use tonic::{Code, Request, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e09_auth::{TOKEN, VaultService, attach_token, check_token},
    harness::{self, Report},
    pb::{HelloRequest, vault_client::VaultClient, vault_server::VaultServer},
};

/// A token the server must refuse, and must not repeat.
const WRONG_TOKEN: &str = "guess-123";

pub async fn check(report: Report) -> Result<(), String> {
    let server = VaultServer::with_interceptor(VaultService, check_token);
    let server = harness::serve(Routes::new(server)).await?;
    let channel = harness::channel(server.addr).await?;
    let mut client = VaultClient::new(channel.clone());
    let no_reply = || t::NO_REPLY.with(&[("what", &"open")]);

    // A request carrying `authorization: {header}`, or none.
    let request = |header: Option<&str>| -> Result<Request<HelloRequest>, String> {
        let mut request = Request::new(HelloRequest::default());
        if let Some(header) = header {
            let value = header.parse().map_err(|_| header.to_owned())?;
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    };

    let wrong = format!("Bearer {WRONG_TOKEN}");
    for (header, let_in) in [
        (None, t::E09_NO_TOKEN_LET_IN),
        (Some(wrong.as_str()), t::E09_WRONG_TOKEN_LET_IN),
        (Some(TOKEN), t::E09_BARE_TOKEN_LET_IN),
    ] {
        let what = header.map_or_else(
            || t::E09_WITHOUT_TOKEN.to_string(),
            |header| t::E09_WITH_HEADER.with(&[("header", &header)]),
        );
        match within(client.open(request(header)?), no_reply).await? {
            Ok(_) => return Err(let_in.to_string()),
            Err(status) if status.code() != Code::Unauthenticated => {
                let status = harness::status_line(&status);
                return Err(t::E09_WRONG_CODE.with(&[("what", &what), ("status", &status)]));
            }
            Err(status) if status.message().contains(WRONG_TOKEN) => {
                let message = format!("{:?}", status.message());
                return Err(t::E09_ECHOES_TOKEN.with(&[("message", &message)]));
            }
            Err(status) => report.ok(t::E09_OK_REFUSED
                .with(&[("what", &what), ("status", &harness::status_line(&status))])),
        }
    }

    let header = format!("Bearer {TOKEN}");
    let reply = match within(client.open(request(Some(&header))?), no_reply).await? {
        Ok(reply) => reply.into_inner().message,
        Err(status) if status.code() == Code::Unauthenticated => {
            let status = harness::status_line(&status);
            return Err(
                t::E09_RIGHT_TOKEN_REFUSED.with(&[("header", &header), ("status", &status)])
            );
        }
        Err(status) => return Err(failed(&header, &status)),
    };
    expect_eq(&t::E09_VAULT_REPLY.to_string(), "the vault is open", &reply)?;
    report.ok(t::E09_OK_LET_IN.with(&[("header", &header)]));

    let mut client = VaultClient::with_interceptor(channel, attach_token);
    within(client.open(HelloRequest::default()), no_reply)
        .await?
        .map_err(|status| {
            t::E09_ATTACH_REFUSED.with(&[
                ("status", &harness::status_line(&status)),
                ("header", &header),
            ])
        })?;
    report.ok(t::E09_OK_ATTACH);
    Ok(())
}
