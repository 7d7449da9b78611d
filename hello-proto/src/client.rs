//! Calling a server: the channel, deadlines, and errors a student can act on.
//!
//! The note's client does three things: open a *channel* to the server
//! (`grpc.insecure_channel('localhost:8888')`), wrap it in a *stub*
//! (`DoStuffStub(channel)`), and call methods on the stub. [`connect`] does
//! the first two; the lesson crates do the calls.

use std::{future::Future, path::PathBuf, process::ExitCode, time::Duration};

use tonic::{
    Code, Request, Status,
    transport::{Channel, ClientTlsConfig, Endpoint},
};

use crate::{
    Kind,
    auth::AttachToken,
    cli::{ClientArgs, DEFAULT_MAX_MESSAGE_BYTES},
    lifecycle::SHUTTING_DOWN,
    pb,
    registry::{self, etcd::Etcd},
};

/// Opens a channel to the server(s) in `args` and returns the stub for it.
///
/// The channel is *lazy*: it connects on the first call, and reconnects by
/// itself if the server restarts. So a server that is down shows up as a
/// failed call (UNAVAILABLE), which [`explain`] turns into advice. With
/// several `--addr`, calls are spread over all of them (tonic's
/// `Channel::balance_list`): one name, many servers. With `--registry`, the
/// servers are those registered in etcd, followed as they come and go
/// ([`registry::follow`]).
pub async fn connect(kind: Kind, args: &ClientArgs) -> Result<pb::Client, Status> {
    let dialer = Dialer::new(args)?;
    let channel = match args.registry() {
        Some(url) => {
            let etcd = Etcd::new(url).map_err(|e| registry_error(Code::InvalidArgument, e))?;
            let dial = move |server: &registry::Entry| {
                (dialer.endpoint(&server.addr, server.tls))
                    .map_err(|status| status.message().to_owned())
            };
            (registry::follow(etcd, kind, dial).await)
                .map_err(|e| registry_error(Code::Unavailable, e))?
        }
        None => {
            let endpoints = (args.addrs(kind).iter())
                .map(|addr| dialer.endpoint(addr, args.tls))
                .collect::<Result<Vec<_>, _>>()?;
            match <[Endpoint; 1]>::try_from(endpoints) {
                Ok([endpoint]) => endpoint.connect_lazy(),
                Err(endpoints) => Channel::balance_list(endpoints.into_iter()),
            }
        }
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

/// How to dial a server: the connection settings every client uses.
struct Dialer {
    /// The TLS settings (the CA to trust), loaded once if `--tls` is given.
    tls: Option<ClientTlsConfig>,
    /// The CA file, for servers the registry says speak TLS.
    ca: PathBuf,
    /// Whether a token is sent, to warn when it would travel in clear.
    token: bool,
}

impl Dialer {
    /// Reads the settings from the client's flags.
    fn new(args: &ClientArgs) -> Result<Self, Status> {
        let ca = (args.ca.clone()).unwrap_or_else(|| crate::tls::default_dir().join("ca.pem"));
        let tls = match args.tls {
            true => Some(crate::tls::client_config(&ca).map_err(Status::failed_precondition)?),
            false => None,
        };
        let token = args.token.is_some();
        Ok(Self { tls, ca, token })
    }

    /// The endpoint for the server at `addr`, which speaks TLS if `tls`.
    fn endpoint(&self, addr: &str, tls: bool) -> Result<Endpoint, Status> {
        let scheme = if tls { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| Status::invalid_argument(format!("--addr {addr} is not HOST:PORT ({e})")))?
            // How long to wait for a TCP connection before failing the call.
            .connect_timeout(Duration::from_secs(5))
            // While calls are open, PING a quiet connection every 30 s and
            // give up on it after 10 s without an answer: a server that
            // vanished is noticed instead of waited for forever.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10));
        if tls {
            let config = match &self.tls {
                Some(config) => config.clone(),
                None => crate::tls::client_config(&self.ca).map_err(Status::failed_precondition)?,
            };
            endpoint = endpoint
                .tls_config(config)
                .map_err(|e| Status::failed_precondition(format!("TLS setup failed: {e}")))?;
        }
        if self.token && !tls && !is_loopback(addr) {
            tracing::warn!(
                "sending --token to {addr} without --tls: anyone on the network path can read it"
            );
        }
        Ok(endpoint)
    }
}

/// A registry failure (a bad URL, etcd unreachable, no server registered)
/// as a status, marked so that [`explain`] prints its message as it is.
fn registry_error(code: Code, message: String) -> Status {
    let mut status = Status::new(code, message.clone());
    status.set_source(std::sync::Arc::new(RegistryError(message)));
    status
}

/// The cause attached to statuses made by [`registry_error`].
#[derive(Debug)]
struct RegistryError(String);

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegistryError {}

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

/// Runs a client's `call` (the future its `run` returns) and ends the client.
///
/// With `--registry-list`, prints what is registered instead, and `call` is
/// never awaited: a Rust future does nothing until then, so no call is made.
pub async fn main(
    kind: Kind,
    args: &ClientArgs,
    call: impl Future<Output = Result<(), Status>>,
) -> ExitCode {
    let result = match (&args.registry, args.registry_list) {
        (Some(url), true) => print_registry(url).await,
        _ => call.await,
    };
    finish(kind, args, result)
}

/// Prints every server registered in the etcd at `url`, one per line.
async fn print_registry(url: &str) -> Result<(), Status> {
    let etcd = Etcd::new(url).map_err(|e| registry_error(Code::InvalidArgument, e))?;
    let servers =
        (registry::list(&etcd).await).map_err(|e| registry_error(Code::Unavailable, e))?;
    if servers.is_empty() {
        println!("no server is registered in etcd at {url}");
    }
    for server in servers {
        let scheme = if server.tls { "https" } else { "http" };
        println!("{:<17} {scheme}://{}", server.kind, server.addr);
    }
    Ok(())
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
    if let Some(registry) = cause::<RegistryError>(status) {
        return format!("{registry} ({code})");
    }
    let message = with_causes(status);
    let at = args.target(kind);
    // The command that starts a server this client would reach.
    let start = match args.registry() {
        Some(url) => format!("{} -- --registry {url}", kind.server_command()),
        None => kind.server_command(),
    };
    let refused = io_error_kind(status) == Some(std::io::ErrorKind::ConnectionRefused);
    match status.code() {
        Code::Unavailable if status.message() == SHUTTING_DOWN => format!(
            "the {kind} server {at} shut down before the call finished ({code}: {message}); start it again with: {start}"
        ),
        // With a registry, the registry says which servers speak TLS.
        Code::Unavailable if refused || !args.tls || args.registry().is_some() => format!(
            "cannot reach the {kind} server {at} ({code}: {message}); is it running? start it with: {start}{}",
            if refused || args.registry().is_some() {
                ""
            } else {
                " (and if it runs with --tls, add --tls)"
            }
        ),
        // The connection broke: the server stopped mid-call, or, on a local
        // machine as often, one side speaks TLS and the other does not.
        Code::Unavailable | Code::Unknown | Code::Internal if is_transport_failure(status) => {
            let tls_advice = match (args.registry(), args.tls) {
                (Some(_), _) => "its registered entry is wrong about TLS",
                (None, true) => "it does not speak TLS (drop --tls)",
                (None, false) => "it speaks TLS (add --tls)",
            };
            format!(
                "the connection to the {kind} server {at} broke ({code}: {message}); either the server stopped (start it with: {start}) or {tls_advice}"
            )
        }
        Code::Unimplemented => format!(
            "the server {at} does not implement {} ({code}): it is not a {kind} server; start one with: {start} (it listens on {})",
            kind.methods().join(" / "),
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
    cause::<std::io::Error>(status).map(std::io::Error::kind)
}

/// The first error of type `E` among the causes of `status`.
fn cause<E: std::error::Error + 'static>(status: &Status) -> Option<&E> {
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        if let Some(found) = error.downcast_ref::<E>() {
            return Some(found);
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
