//! Exercise 12: the request id, given by one interceptor, required by
//! another, handed to the handler in the extensions.
//!
//! Likely mistakes, each named: a call without an id (or with an empty
//! one) let through; UNAUTHENTICATED (copied from exercise 9) instead of
//! INVALID_ARGUMENT; the id checked but not put in the extensions, so the
//! handler has none; a handler that reads the header again instead of the
//! interceptor's typed value; no echo in the reply's metadata; a client
//! interceptor that gives every call the same id.

use tonic::{Code, Request, service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e12_request_ids::{REQUEST_ID, RequestId, RequestIds, StampedService, require_request_id},
    harness::{self, Report},
    pb::{HelloRequest, stamped_client::StampedClient, stamped_server::StampedServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let server = StampedServer::with_interceptor(StampedService, require_request_id);
    let server = harness::serve(Routes::new(server)).await?;
    let channel = harness::channel(server.addr).await?;
    let mut client = StampedClient::new(channel.clone());
    let no_reply = || t::NO_REPLY.with(&[("what", &"stamp")]);

    // A request with `x-request-id: {id}`, or none.
    let request = |id: Option<&str>| -> Result<Request<HelloRequest>, String> {
        let mut request = Request::new(HelloRequest::default());
        if let Some(id) = id {
            let value = id.parse().map_err(|_| id.to_owned())?;
            request.metadata_mut().insert(REQUEST_ID, value);
        }
        Ok(request)
    };

    for id in [None, Some("")] {
        let what = id.map_or_else(
            || t::E12_WITHOUT_ID.to_string(),
            |id| t::E12_WITH_ID.with(&[("id", &format!("{id:?}"))]),
        );
        match within(client.stamp(request(id)?), no_reply).await? {
            Ok(_) => return Err(t::E12_LET_THROUGH.with(&[("what", &what)])),
            Err(status) if status.code() == Code::Unauthenticated => {
                return Err(t::E12_UNAUTHENTICATED.with(&[("what", &what)]));
            }
            Err(status) if status.code() != Code::InvalidArgument => {
                let status = harness::status_line(&status);
                return Err(t::E12_WRONG_CODE.with(&[("what", &what), ("status", &status)]));
            }
            Err(status) => report.ok(t::E12_OK_REFUSED
                .with(&[("what", &what), ("status", &harness::status_line(&status))])),
        }
    }

    let response = match within(client.stamp(request(Some("check-7"))?), no_reply).await? {
        Ok(response) => response,
        // Let in by the interceptor, yet failed: the handler had no id.
        Err(status) if status.code() != Code::InvalidArgument => {
            let status = harness::status_line(&status);
            return Err(t::E12_NOT_IN_EXTENSIONS.with(&[("status", &status)]));
        }
        Err(status) => return Err(failed("stamp (x-request-id: check-7)", &status)),
    };
    let echoed = (response.metadata().get(REQUEST_ID)).and_then(|value| value.to_str().ok());
    match echoed {
        Some("check-7") => {}
        None => return Err(t::E12_NOT_ECHOED.with(&[("key", &REQUEST_ID)])),
        Some(other) => {
            let other = format!("{other:?}");
            return Err(t::E12_ECHOED_OTHER.with(&[("echoed", &other)]));
        }
    }
    expect_eq(
        &t::E12_REPLY.to_string(),
        "stamped check-7",
        &response.into_inner().message,
    )?;
    report.ok(t::E12_OK_STAMPED);

    // The handler alone, behind an interceptor of the check's that puts in
    // the extensions another id than the header carries: the handler must
    // trust the interceptor's.
    let trusted = StampedServer::with_interceptor(StampedService, |mut request: Request<()>| {
        request
            .extensions_mut()
            .insert(RequestId("from-the-interceptor".to_owned()));
        Ok(request)
    });
    let trusted = harness::serve(Routes::new(trusted)).await?;
    let mut direct = StampedClient::new(harness::channel(trusted.addr).await?);
    let reply = within(direct.stamp(request(Some("from-the-header"))?), no_reply)
        .await?
        .map_err(|status| failed("stamp", &status))?
        .into_inner()
        .message;
    if reply.contains("from-the-header") {
        return Err(t::E12_READS_HEADER_AGAIN.to_string());
    }
    expect_eq(
        &t::E12_REPLY.to_string(),
        "stamped from-the-interceptor",
        &reply,
    )?;
    report.ok(t::E12_OK_EXTENSIONS);

    // The client's interceptor: two calls, one through a clone of the
    // client, each with an id of its own.
    let with_ids = StampedClient::with_interceptor(channel, RequestIds::default());
    let first = stamped_id(&mut with_ids.clone()).await?;
    let second = stamped_id(&mut with_ids.clone()).await?;
    if first == second {
        return Err(t::E12_SAME_ID.with(&[("id", &format!("{first:?}"))]));
    }
    report.ok(t::E12_OK_CLIENT.with(&[("first", &first), ("second", &second)]));
    Ok(())
}

/// Calls `stamp` through the client's interceptor; the id it was given.
async fn stamped_id<I: tonic::service::Interceptor>(
    client: &mut StampedClient<tonic::service::interceptor::InterceptedService<Channel, I>>,
) -> Result<String, String> {
    let reply = within(client.stamp(HelloRequest::default()), || {
        t::NO_REPLY.with(&[("what", &"stamp")])
    })
    .await?
    .map_err(|status| t::E12_CLIENT_REFUSED.with(&[("status", &harness::status_line(&status))]))?;
    let message = reply.into_inner().message;
    Ok(message
        .strip_prefix("stamped ")
        .unwrap_or(&message)
        .to_owned())
}
