//! Exercise 8: the request id goes out in metadata and comes back.
//!
//! Likely mistakes, each named: the server not echoing the id (or reading
//! it after `into_inner`, which the compiler refuses); a ping without an id
//! refused or crashing; the client panicking (`unwrap`) on an id that
//! cannot be a header value, instead of returning INVALID_ARGUMENT.

use tonic::{Code, Request, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e08_metadata::{REQUEST_ID, TracedService, ping_with_id},
    harness::{self, Report},
    pb::{HelloRequest, traced_client::TracedClient, traced_server::TracedServer},
};

/// An id no header can carry: a line break ends a header.
const BAD_ID: &str = "two\nlines";

pub async fn check(report: Report) -> Result<(), String> {
    let server = harness::serve(Routes::new(TracedServer::new(TracedService))).await?;
    let mut client = TracedClient::new(harness::channel(server.addr).await?);
    let no_reply = |what: &'static str| move || t::NO_REPLY.with(&[("what", &what)]);

    let mut request = Request::new(HelloRequest::default());
    let id = "check-42".parse().map_err(|_| "check-42")?;
    request.metadata_mut().insert(REQUEST_ID, id);
    let response = within(client.ping(request), no_reply("ping"))
        .await?
        .map_err(|status| failed("ping", &status))?;
    let echoed = response.metadata().get(REQUEST_ID).map(|v| v.to_str());
    match echoed {
        Some(Ok("check-42")) => {}
        None => return Err(t::E08_NOT_ECHOED.with(&[("key", &REQUEST_ID)])),
        Some(other) => {
            let other = format!("{other:?}");
            return Err(t::E08_ECHOED_OTHER.with(&[("echoed", &other)]));
        }
    }
    report.ok(t::E08_OK_ECHO.with(&[("key", &REQUEST_ID)]));

    within(
        client.ping(Request::new(HelloRequest::default())),
        no_reply("ping"),
    )
    .await?
    .map_err(|status| {
        t::E08_NO_ID_REFUSED.with(&[
            ("status", &harness::status_line(&status)),
            ("key", &REQUEST_ID),
        ])
    })?;
    report.ok(t::E08_OK_NO_ID);

    let id = within(
        ping_with_id(&mut client, "abc-123"),
        no_reply("ping_with_id"),
    )
    .await?
    .map_err(|status| failed("ping_with_id(\"abc-123\")", &status))?;
    if id.is_empty() {
        return Err(t::E08_CLIENT_GOT_NOTHING.with(&[("key", &REQUEST_ID)]));
    }
    expect_eq(&t::E08_CLIENT_ID.to_string(), "abc-123", &id)?;
    report.ok(t::E08_OK_CLIENT);

    // A line break cannot travel in a header: the client must say so with
    // a status, not panic. In a task of its own, so that a panic is seen
    // here, and explained.
    let mut bad = client.clone();
    let answer = tokio::spawn(async move { ping_with_id(&mut bad, BAD_ID).await });
    match within(answer, no_reply("ping_with_id")).await? {
        Err(join) if join.is_panic() => {
            harness::forget_panics();
            return Err(t::E08_CLIENT_PANICS.to_string());
        }
        Err(join) => return Err(join.to_string()),
        Ok(Err(status)) if status.code() == Code::InvalidArgument => {}
        Ok(Err(status)) => {
            return Err(t::E08_BAD_ID_CODE.with(&[("status", &harness::status_line(&status))]));
        }
        Ok(Ok(id)) => return Err(t::E08_BAD_ID_ACCEPTED.with(&[("id", &format!("{id:?}"))])),
    }
    report.ok(t::E08_OK_BAD_ID);
    Ok(())
}
