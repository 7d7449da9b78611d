//! What each lesson's client is assembled from: the channel, the deadline,
//! and one line for whatever went wrong.
//!
//! The note's client takes three steps: open a *channel* to the server
//! (`grpc.insecure_channel('localhost:8888')`), put a *stub* on it
//! (`hello_pb2_grpc.DoStuffStub(channel)`), and call methods on the stub.
//! Each lesson's `client.rs` takes all three in view. This module gives it:
//!
//! - [`channel`]: the channel to the server(s) the flags name (`--addr`,
//!   several of them, or `--registry`), with TLS when asked for;
//! - [`attach_token`]: the interceptor that puts `--token` on every call,
//!   for `DoStuffClient::with_interceptor(channel, ...)`;
//! - [`within`]: one call, streams included, bounded by `--timeout-ms`;
//! - [`report`]: the end of a client: exit code 0, or one line on stderr
//!   that says what went wrong, with the status code, and what to do.

mod advice;
mod dial;
mod error;
mod explain;
mod follow;

use std::time::Duration;

use hello_proto::pb::do_stuff_client::DoStuffClient;
use tonic::{Code, Request, Status, service::interceptor::InterceptedService, transport::Channel};

pub use advice::{Advice, classify, failed_to_connect};
pub use error::{ClientError, Context};
pub use explain::{explain, report};

use crate::{Kind, auth::AttachToken, cli::ClientArgs};

/// The stub every lesson client calls: the generated `DoStuffClient` over a
/// channel, with the interceptor that adds `--token` to each call.
pub type Stub = DoStuffClient<InterceptedService<Channel, AttachToken>>;

/// Opens a channel to the `kind` server(s) the flags name.
///
/// The channel is *lazy*: it connects on the first call, and reconnects by
/// itself if the server restarts. So a server that is down shows up as a
/// failed call (UNAVAILABLE), which [`report`] turns into advice. With
/// several `--addr`, calls are spread over all of them (tonic's
/// `Channel::balance_list`): one name, many servers. With `--registry`, the
/// servers are those registered in etcd, followed as they come and go; each
/// change is printed (`server joined: 127.0.0.1:8892`).
pub async fn channel(kind: Kind, args: &ClientArgs) -> Result<Channel, ClientError> {
    let dialer = dial::Dialer::new(args)?;
    if let Some(url) = args.registry() {
        return follow::registered(kind, url, dialer).await;
    }
    let endpoints = args
        .addrs(kind)
        .iter()
        .map(|addr| dialer.endpoint(addr, args.speaks_tls()))
        .collect::<Result<Vec<_>, _>>()?;
    if let [endpoint] = endpoints.as_slice() {
        Ok(endpoint.connect_lazy())
    } else {
        Ok(Channel::balance_list(endpoints.into_iter()))
    }
}

/// The interceptor that adds `authorization: Bearer <token>` to every call
/// when `--token` (or `HELLO_TOKEN`) is given, and nothing otherwise.
pub fn attach_token(args: &ClientArgs) -> Result<AttachToken, ClientError> {
    AttachToken::new(args.token.as_deref()).map_err(|bad| ClientError::Flag(bad.to_string()))
}

/// Makes one call with `message`, bounded by the deadline `timeout`, if any.
///
/// `call` receives the request to send: it carries the deadline to the
/// server as the `grpc-timeout` header, so the server too knows when to
/// give up. And the whole of `call` (for a stream: until its last message)
/// must finish in time, because tonic's client enforces the deadline only
/// until the response headers arrive, and a stream can go on long after.
///
/// gRPC names an expired deadline DEADLINE_EXCEEDED; tonic reports its own
/// timer as CANCELLED ("Timeout expired"), so we give that its proper name.
pub async fn within<M, T>(
    timeout: Option<Duration>,
    message: M,
    call: impl AsyncFnOnce(Request<M>) -> Result<T, Status>,
) -> Result<T, Status> {
    let mut request = Request::new(message);
    let Some(limit) = timeout else {
        return call(request).await.map_err(name_expired_deadline);
    };
    request.set_timeout(limit);
    match tokio::time::timeout(limit, call(request)).await {
        Ok(result) => result.map_err(name_expired_deadline),
        Err(_) => Err(Status::deadline_exceeded(format!(
            "the call did not finish within {} ms",
            limit.as_millis()
        ))),
    }
}

/// tonic's name for its own expired timer, CANCELLED "Timeout expired",
/// turned into gRPC's: DEADLINE_EXCEEDED.
fn name_expired_deadline(status: Status) -> Status {
    if status.code() == Code::Cancelled && status.message() == "Timeout expired" {
        Status::deadline_exceeded("the deadline passed before the server answered")
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_expired_tonic_timer_is_named_deadline_exceeded() {
        let tonic_says = async |_: Request<()>| Err::<(), _>(Status::cancelled("Timeout expired"));
        let status = within(None, (), tonic_says).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
    }
}
