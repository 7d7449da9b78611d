//! Exercise 8: the request id goes out in metadata and comes back.

use tonic::{Code, Request, service::Routes};

use super::{expect_eq, failed};
use crate::{
    e08_metadata::{REQUEST_ID, TracedService, ping_with_id},
    harness::{self, Report},
    pb::{HelloRequest, traced_client::TracedClient, traced_server::TracedServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(TracedServer::new(TracedService))).await?;
    let mut client = TracedClient::new(harness::channel(addr).await?);

    let mut request = Request::new(HelloRequest::default());
    request
        .metadata_mut()
        .insert(REQUEST_ID, "check-42".parse().map_err(|_| "bad metadata")?);
    let response = client
        .ping(request)
        .await
        .map_err(|status| failed("ping", &status))?;
    let echoed = response.metadata().get(REQUEST_ID).map(|v| v.to_str());
    match echoed {
        Some(Ok("check-42")) => {}
        None => {
            return Err(format!(
                "the server's response has no {REQUEST_ID} metadata: copy it from the request's metadata into the response's"
            ));
        }
        Some(other) => return Err(format!("the server echoed {other:?}, not \"check-42\"")),
    }
    report.ok(format!("the server echoes {REQUEST_ID}: check-42"));

    client
        .ping(Request::new(HelloRequest::default()))
        .await
        .map_err(|status| failed("ping without a request id", &status))?;
    report.ok("a ping without a request id is answered too");

    let id = ping_with_id(&mut client, "abc-123")
        .await
        .map_err(|status| failed("the client's ping_with_id", &status))?;
    expect_eq("the id the client got back", "abc-123", &id)?;
    report.ok("the client sends abc-123 and reads it back");

    // A line break cannot travel in a header: the client must say so
    // with a status, not panic.
    match ping_with_id(&mut client, "two\nlines").await {
        Err(status) if status.code() == Code::InvalidArgument => {}
        Err(status) => {
            return Err(format!(
                "ping_with_id(\"two\\nlines\"): expected INVALID_ARGUMENT, received {}",
                harness::status_line(&status)
            ));
        }
        Ok(id) => {
            return Err(format!(
                "ping_with_id(\"two\\nlines\") succeeded ({id:?}), but a line break cannot be a metadata value: return INVALID_ARGUMENT"
            ));
        }
    }
    report.ok("an id that cannot be a header value is INVALID_ARGUMENT, not a panic");
    Ok(())
}
