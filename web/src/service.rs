//! The `hello.DoStuff` service the page calls: the four lesson crates' own
//! services, so that every call kind can be watched on the Live panel, and
//! behaves there exactly as its lesson teaches it (a chat waits
//! `--delay-ms` before each reply, as `bidi-streaming` does).
//!
//! tonic's router picks a service by the first part of a call's path,
//! `/hello.DoStuff/say_hello`, and holds one service per name. Here four
//! services answer to that one name, each for the methods of its kind, so
//! [`Lessons`] is the one service the router sees, and routes by the
//! second part, the method, to the lesson that teaches it: what the
//! generated `DoStuffServer` does inside each of them, one level down.
//!
//! The page adds one thing to the server-streaming lesson: a refused
//! argument carries a `google.rpc.BadRequest` (the errors topic teaches
//! these details), which the page shows. It is added around the lesson's
//! service, from the lesson's own `Refused` value; the lesson's checks are
//! not copied ([`with_bad_request_details`]).
//!
//! A browser can call only the first three methods (gRPC-Web: `fetch`
//! cannot stream a request body); the CLI clients of the four lesson crates
//! call any of them, with `--addr 127.0.0.1:8080`.

use std::{
    convert::Infallible,
    error::Error,
    task::{Context, Poll},
};

use bidi_streaming::server::BidiStreamingService;
use client_streaming::server::ClientStreamingService;
use futures::future::BoxFuture;
use hello_proto::pb::do_stuff_server::{DoStuffServer, SERVICE_NAME};
use plumbing::{auth::RequireToken, cli::ServerArgs, server};
use server_streaming::server::{Refused, ServerStreamingService};
use tonic::{
    Code, Status,
    body::Body,
    server::NamedService,
    service::interceptor::{InterceptedService, ResponseBody},
};
use tonic_types::{ErrorDetails, StatusExt as _};
use tower::Service;
use tracing::warn;
use unary::server::UnaryService;

/// A lesson's service as its own server serves it: in the generated
/// `DoStuffServer`, behind the token check and the message size limits.
type Served<S> = InterceptedService<DoStuffServer<S>, RequireToken>;

/// A call as it reaches a service: an HTTP request, its body the
/// request's messages.
type Call = http::Request<Body>;

/// What a served lesson answers: an HTTP response, its body the reply's
/// messages (in the token check's wrapper around tonic's body).
type Reply = http::Response<ResponseBody<Body>>;

/// The page's `hello.DoStuff`: each call goes to the lesson crate that
/// teaches its kind.
#[derive(Debug, Clone)]
pub struct Lessons {
    /// `say_hello` and `say_hello_again`: `unary/src/server.rs`.
    unary: Served<UnaryService>,
    /// `say_hello_stream`: `server-streaming/src/server.rs`.
    server_streaming: Served<ServerStreamingService>,
    /// `say_hello_many`: `client-streaming/src/server.rs`.
    client_streaming: Served<ClientStreamingService>,
    /// `say_hello_chat`: `bidi-streaming/src/server.rs`.
    bidi_streaming: Served<BidiStreamingService>,
}

impl Lessons {
    /// The four lessons' services, each waiting `--delay-ms` as it does in
    /// its own crate, and each served as its own crate serves it.
    pub fn new(args: &ServerArgs) -> Self {
        let delay = args.delay();
        Self {
            unary: server::with_token_check_and_limits(
                DoStuffServer::new(UnaryService { delay }),
                args,
            ),
            server_streaming: server::with_token_check_and_limits(
                DoStuffServer::new(ServerStreamingService { delay }),
                args,
            ),
            client_streaming: server::with_token_check_and_limits(
                DoStuffServer::new(ClientStreamingService { delay }),
                args,
            ),
            bidi_streaming: server::with_token_check_and_limits(
                DoStuffServer::new(BidiStreamingService { delay }),
                args,
            ),
        }
    }
}

/// The router finds a service by its gRPC name: ours is `hello.DoStuff`,
/// the name of each lesson's service.
impl NamedService for Lessons {
    const NAME: &'static str = SERVICE_NAME;
}

impl Service<Call> for Lessons {
    type Response = Reply;
    type Error = Infallible;
    /// The four lessons' futures, boxed into one type: `call` returns any.
    type Future = BoxFuture<'static, Result<Reply, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // tower's rule: a service is asked whether it is ready before it is
        // called. Which lesson `call` picks depends on the request, so all
        // four are asked (tonic's generated servers always are ready).
        // (Each serves any kind of request body: the type says ours.)
        let ready = [
            Service::<Call>::poll_ready(&mut self.unary, cx),
            Service::<Call>::poll_ready(&mut self.server_streaming, cx),
            Service::<Call>::poll_ready(&mut self.client_streaming, cx),
            Service::<Call>::poll_ready(&mut self.bidi_streaming, cx),
        ];
        if ready.iter().all(Poll::is_ready) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    fn call(&mut self, request: Call) -> Self::Future {
        // The path is `/hello.DoStuff/{method}`, the method as the proto
        // names it.
        let path = request.uri().path();
        let method = path.rsplit('/').next().unwrap_or(path);
        match method {
            "say_hello" | "say_hello_again" => Box::pin(self.unary.call(request)),
            "say_hello_stream" => {
                let reply = self.server_streaming.call(request);
                Box::pin(async move { reply.await.map(with_bad_request_details) })
            }
            "say_hello_many" => Box::pin(self.client_streaming.call(request)),
            // The chat, and any method `hello.DoStuff` does not have: the
            // chat lesson's generated server answers that UNIMPLEMENTED, as
            // every generated server does.
            _ => Box::pin(self.bidi_streaming.call(request)),
        }
    }
}

/// The page's addition to the server-streaming lesson: when the lesson
/// refused an argument, the reply says which field and why in a
/// `google.rpc.BadRequest` too, under the same code and message. Any other
/// reply passes as it is.
fn with_bad_request_details(mut reply: Reply) -> Reply {
    // tonic leaves the `Status` a handler failed with in the extensions of
    // the response it makes; the lesson's `Refused` is that status's
    // source. Found by its type: the message is never parsed.
    let refused = reply
        .extensions()
        .get::<Status>()
        .and_then(Error::source)
        .and_then(|source| source.downcast_ref::<Refused>());
    let Some(refused) = refused else {
        return reply;
    };
    let detailed = Status::with_error_details(
        Code::InvalidArgument,
        refused.to_string(),
        ErrorDetails::with_bad_request_violation(refused.field, refused.why.clone()),
    );
    // A refusal is answered "trailers-only": its status is in the headers,
    // where the detailed one replaces it, `grpc-status-details-bin` added.
    if let Err(why) = detailed.add_header(reply.headers_mut()) {
        warn!("say_hello_stream: the BadRequest details could not be sent: {why}");
    }
    reply
}
