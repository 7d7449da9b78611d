//! A tonic server and a client joined by in-memory pipes: level 2.
//!
//! tonic's server does not need a `TcpListener`: `serve_with_incoming`
//! serves any stream of connections, and a connection is anything that
//! reads and writes bytes (tonic's `Connected` trait, which
//! `tokio::io::DuplexStream` implements). Its client does not need TCP
//! either: `Endpoint::connect_with_connector` takes a function that opens
//! a connection however it likes. So:
//!
//! ```text
//!   Channel ──connector──▶ tokio::io::duplex() ──┬── client's end (to hyper)
//!                                                └── server's end ──▶ incoming ──▶ Server
//! ```
//!
//! Every connection the channel opens is a fresh `duplex` pair; the
//! server's end goes down an mpsc channel, which is the server's stream of
//! incoming connections. Everything above the bytes is the real thing:
//! HTTP/2, the gRPC framing, protobuf, the status in the trailers, every
//! layer of the server. Nothing below: no port, no accept loop, no TLS.
//!
//! tonic's own `examples/src/mock/mock.rs` does the same with a single
//! connection; making a pair per connection lets the channel reconnect.

use std::io;

use hello_proto::pb::do_stuff_server::{DoStuff, DoStuffServer};
use hyper_util::rt::TokioIo;
use plumbing::{
    call_layer::CallLayer,
    cli::ServerArgs,
    server::{self, Lifecycle, StartError},
};
use tokio::{io::DuplexStream, sync::mpsc};
use tokio_stream::{StreamExt, wrappers::UnboundedReceiverStream};
use tonic::{
    body::Body,
    transport::{Channel, Endpoint, Server, Uri, server::Router},
};
use tower::{
    BoxError, Layer, Service,
    layer::util::{Identity, Stack},
};

/// How many bytes each direction of a pipe holds before the writer waits
/// for the reader: like a socket's buffer, it only bounds memory.
const PIPE_BUFFER: usize = 64 * 1024;

/// The server a lesson's `start` assembles, without its socket.
pub type LessonRouter = Router<Stack<CallLayer, Identity>>;

/// Assembles `service` as every lesson's `server::start` does (steps 1 and
/// 2: tonic's builder [`server::configure`]d from `args`, health and
/// reflection, the service behind the token check and the size limits),
/// and stops where `start` would bind the port.
pub fn lesson_server(service: impl DoStuff, args: &ServerArgs) -> Result<LessonRouter, StartError> {
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    Ok(builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            args,
        )))
}

/// Serves `router` in a background task, over in-memory pipes only, and
/// returns a channel to it. The server stops once the channel (and every
/// clone of it) is dropped: no connection can come any more.
///
/// The bounds are the ones tonic puts on a router's layers (the same as
/// `Router::serve_with_incoming_shutdown`'s, which every lesson calls).
pub fn serve<L, ResBody>(router: Router<L>) -> Channel
where
    L: Layer<tonic::service::Routes> + Send + 'static,
    L::Service:
        Service<http::Request<Body>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    <L::Service as Service<http::Request<Body>>>::Future: Send,
    <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError> + Send + 'static,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let (to_server, incoming) = mpsc::unbounded_channel::<DuplexStream>();

    // The server: its "listener" is the receiving end of the mpsc channel.
    // `serve_with_incoming` wants `Result`s, as an accept loop may fail;
    // ours cannot. (A server error reaches the tests as failed calls.)
    let incoming = UnboundedReceiverStream::new(incoming).map(Ok::<_, io::Error>);
    tokio::spawn(router.serve_with_incoming(incoming));

    // The client: every connection the channel opens is a new pipe, whose
    // other end goes to the server. The URI is never dialled; tonic only
    // needs one for the `:authority` and `:scheme` of each request.
    let connector = tower::service_fn(move |_: Uri| {
        let (client_end, server_end) = tokio::io::duplex(PIPE_BUFFER);
        let sent = to_server.send(server_end);
        async move {
            sent.map_err(|_| io::Error::other("the in-memory server has stopped"))?;
            // hyper reads and writes through its own I/O traits;
            // `TokioIo` adapts tokio's.
            Ok::<_, io::Error>(TokioIo::new(client_end))
        }
    });
    Endpoint::from_static("http://in-memory").connect_with_connector_lazy(connector)
}

/// `lesson_server` then `serve`: a lesson's server, reached in memory.
pub fn start(service: impl DoStuff, args: &ServerArgs) -> Result<Channel, StartError> {
    Ok(serve(lesson_server(service, args)?))
}
