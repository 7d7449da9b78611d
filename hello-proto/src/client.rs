//! Calling a server: the channel, deadlines, and errors a student can act on.
//!
//! The note's client does three things: open a *channel* to the server
//! (`grpc.insecure_channel('localhost:8888')`), wrap it in a *stub*
//! (`DoStuffStub(channel)`), and call methods on the stub. [`connect`] does
//! the first two; the lesson crates do the calls.

use std::{future::Future, process::ExitCode, time::Duration};

use tonic::{
    Code, Request, Status,
    transport::{Channel, Endpoint},
};

use crate::{
    Kind,
    auth::AttachToken,
    cli::{ClientArgs, DEFAULT_MAX_MESSAGE_BYTES},
    lifecycle::SHUTTING_DOWN,
    pb,
};

/// Opens a channel to the server(s) in `args` and returns the stub for it.
///
/// The channel is *lazy*: it connects on the first call, and reconnects by
/// itself if the server restarts. So a server that is down shows up as a
/// failed call (UNAVAILABLE), which [`explain`] turns into advice. With
/// several `--addr`, calls are spread over all of them (tonic's
/// `Channel::balance_list`): one name, many servers.
pub async fn connect(kind: Kind, args: &ClientArgs) -> Result<pb::Client, Status> {
    let scheme = if args.tls { "https" } else { "http" };
    let tls = if args.tls {
        let ca = args
            .ca
            .clone()
            .unwrap_or_else(|| crate::tls::default_dir().join("ca.pem"));
        Some(crate::tls::client_config(&ca).map_err(Status::failed_precondition)?)
    } else {
        None
    };

    let mut endpoints = Vec::new();
    for addr in args.addrs(kind) {
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| Status::invalid_argument(format!("--addr {addr} is not HOST:PORT ({e})")))?
            // How long to wait for a TCP connection before failing the call.
            .connect_timeout(Duration::from_secs(5))
            // While calls are open, PING a quiet connection every 30 s and
            // give up on it after 10 s without an answer: a server that
            // vanished is noticed instead of waited for forever.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10));
        if let Some(tls) = &tls {
            endpoint = endpoint
                .tls_config(tls.clone())
                .map_err(|e| Status::failed_precondition(format!("TLS setup failed: {e}")))?;
        }
        if args.token.is_some() && !args.tls && !is_loopback(&addr) {
            tracing::warn!(
                "sending --token to {addr} without --tls: anyone on the network path can read it"
            );
        }
        endpoints.push(endpoint);
    }

    let channel = match <[Endpoint; 1]>::try_from(endpoints) {
        Ok([endpoint]) => endpoint.connect_lazy(),
        Err(endpoints) => Channel::balance_list(endpoints.into_iter()),
    };

    // The stub: generated code that turns method calls into gRPC requests.
    // The interceptor adds the token, if any, to each of them.
    let token = AttachToken::new(args.token.as_deref())?;
    // The same message limits as the servers': 4 MiB each way, written
    // out (tonic's default for sending would be no limit at all).
    Ok(
        pb::do_stuff_client::DoStuffClient::with_interceptor(channel, token)
            .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES)
            .max_encoding_message_size(DEFAULT_MAX_MESSAGE_BYTES),
    )
}

/// Wraps `message` in a request carrying the `--timeout-ms` deadline, if any.
///
/// The deadline travels to the server as the `grpc-timeout` header, so the
/// server too knows when to give up. Note that tonic's client only uses it
/// to bound the wait for the *first* response: see [`within`] for a whole call.
pub fn request<T>(message: T, timeout: Option<Duration>) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    request
}

/// Runs a whole call, streams included, within `timeout`.
///
/// A gRPC deadline covers the whole call, but tonic's client only enforces
/// it until the response headers arrive, and a stream can go on long after.
/// So we bound the complete exchange ourselves. gRPC names an expired
/// deadline DEADLINE_EXCEEDED; tonic reports its own timer as CANCELLED
/// ("Timeout expired"), so we give that its proper name too.
pub async fn within<T>(
    timeout: Option<Duration>,
    call: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let result = match timeout {
        Some(limit) => tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
            Err(Status::deadline_exceeded(format!(
                "the call did not finish within {} ms",
                limit.as_millis()
            )))
        }),
        None => call.await,
    };
    result.map_err(|status| {
        if status.code() == Code::Cancelled && status.message() == "Timeout expired" {
            Status::deadline_exceeded("the deadline passed before the server answered")
        } else {
            status
        }
    })
}

/// Ends a client: prints the outcome of `result` and returns the exit code.
///
/// Success is exit code 0. A failure is one line on stderr, from
/// [`explain`], and exit code 1: never a panic or a backtrace.
pub fn finish(kind: Kind, args: &ClientArgs, result: Result<(), Status>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(status) => {
            eprintln!("error: {}", explain(kind, args, &status));
            ExitCode::FAILURE
        }
    }
}

/// One line that says what went wrong, with the gRPC status code, and what
/// to do about it.
pub fn explain(kind: Kind, args: &ClientArgs, status: &Status) -> String {
    let code = code_name(status.code());
    let message = with_causes(status);
    let addrs = args.addrs(kind).join(", ");
    let refused = io_error_kind(status) == Some(std::io::ErrorKind::ConnectionRefused);
    match status.code() {
        Code::Unavailable if status.message() == SHUTTING_DOWN => format!(
            "the {kind} server at {addrs} shut down before the call finished ({code}: {message}); start it again with: {}",
            kind.server_command()
        ),
        Code::Unavailable if refused || !args.tls => format!(
            "cannot reach the {kind} server at {addrs} ({code}: {message}); is it running? start it with: {}{}",
            kind.server_command(),
            if refused {
                ""
            } else {
                " (and if it runs with --tls, add --tls)"
            }
        ),
        // The connection broke: the server stopped mid-call, or, on a local
        // machine as often, one side speaks TLS and the other does not.
        Code::Unavailable | Code::Unknown | Code::Internal if is_transport_failure(status) => {
            let tls_advice = if args.tls {
                "it does not speak TLS (drop --tls)"
            } else {
                "it speaks TLS (add --tls)"
            };
            format!(
                "the connection to the {kind} server at {addrs} broke ({code}: {message}); either the server stopped (start it with: {}) or {tls_advice}",
                kind.server_command()
            )
        }
        Code::Unimplemented => format!(
            "the server at {addrs} does not implement {} ({code}): it is not a {kind} server; start one with: {} (it listens on {})",
            kind.methods().join(" / "),
            kind.server_command(),
            kind.default_addr()
        ),
        Code::DeadlineExceeded => format!(
            "no answer within the deadline ({code}: {message}); raise --timeout-ms, or lower the server's --delay-ms"
        ),
        Code::Unauthenticated => format!(
            "the server refused the call ({code}: {message}); pass its token with --token or HELLO_TOKEN"
        ),
        _ => format!("the call failed ({code}: {message})"),
    }
}

/// The status message followed by the errors that caused it, e.g.
/// `tcp connect error: Connection refused (os error 111)`.
fn with_causes(status: &Status) -> String {
    // One line, whatever the server put in its message.
    let mut text = status.message().replace(['\r', '\n'], " ");
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        let line = error.to_string().replace(['\r', '\n'], " ");
        if !text.contains(&line) {
            text = format!("{text}: {line}");
        }
        cause = error.source();
    }
    text
}

/// The kind of the I/O error at the root of a failed call, if there is one.
fn io_error_kind(status: &Status) -> Option<std::io::ErrorKind> {
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = error.source();
    }
    None
}

/// Whether the call failed in the connection rather than in the server's code.
fn is_transport_failure(status: &Status) -> bool {
    std::error::Error::source(status).is_some()
}

/// The canonical name of a status code, as every gRPC implementation prints
/// it (`UNAVAILABLE`, not tonic's `Unavailable`), so it can be looked up in
/// the gRPC documentation.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Whether `addr` (HOST:PORT) names this machine, where a plaintext token
/// cannot be overheard on the network.
fn is_loopback(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_recognised() {
        for addr in ["127.0.0.1:8888", "localhost:1", "[::1]:8888", "127.1.2.3:9"] {
            assert!(is_loopback(addr), "{addr}");
        }
        for addr in ["10.0.0.1:8888", "example.org:443", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr), "{addr}");
        }
    }

    #[tokio::test]
    async fn an_expired_tonic_timer_is_named_deadline_exceeded() {
        let tonic_says = async { Err::<(), _>(Status::cancelled("Timeout expired")) };
        let status = within(None, tonic_says).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
    }
}
