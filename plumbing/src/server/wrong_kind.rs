//! A call of another lesson's method, answered with the lesson to start.
//!
//! Each lesson server implements only its own kind's methods, and the
//! generated `DoStuffServer` answers the others UNIMPLEMENTED with tonic's
//! default message, "Not yet implemented". Our own clients explain that
//! code well (they know which program they are); grpcurl, Postman or a
//! Python client show only the text, which teaches nothing.
//!
//! So [`WrongKindLayer`] goes around the lesson's service and answers such
//! a call itself, before the generated code: still UNIMPLEMENTED (clients
//! rely on the code: ours advise by it), with a message naming the lesson
//! that serves the method and where it listens. It decides by data, never
//! by tonic's words: the method is not among the [`Program`]'s methods,
//! and a lesson of the table it was given serves it. A method no lesson
//! serves (a typo, another service's) goes on to tonic, as before.
//!
//! This crate knows no lesson: the lesson server passes both its own
//! `PROGRAM` and the table of lessons (`hello_proto::lessons::LESSONS`).

use std::{
    future::{Future, Ready, ready},
    pin::Pin,
    task::{Context, Poll},
};

use hello_proto::lessons::{self, Lesson};
use pin_project_lite::pin_project;
use tonic::{Status, server::NamedService};
use tower::{Layer, Service};
use tracing::info;

use crate::Program;

/// A tower layer for a lesson's `DoStuffServer` (inside the token check):
/// a call of a method another lesson serves is answered UNIMPLEMENTED,
/// naming that lesson's server command and default address.
#[derive(Clone, Copy, Debug)]
pub struct WrongKindLayer {
    /// The server this layer is in: its methods pass through.
    program: Program,
    /// Every lesson, with the methods it serves and where it listens.
    lessons: &'static [Lesson],
}

impl WrongKindLayer {
    /// The layer for `program`'s server, naming the lesson of `lessons`
    /// that serves a method `program` does not.
    pub const fn new(program: Program, lessons: &'static [Lesson]) -> Self {
        Self { program, lessons }
    }

    /// Why `method` is not served here, if another lesson serves it: the
    /// message of the UNIMPLEMENTED status, which names where to go.
    fn served_elsewhere(&self, method: &str) -> Option<String> {
        if self.program.methods.contains(&method) {
            return None;
        }
        let lesson = lessons::serving(self.lessons, method)?;
        // The same words as the lesson's own messages: `cargo run -p ...`.
        let start = Program::new(lesson.name, lesson.default_addr, lesson.methods);
        Some(format!(
            "the {} server does not serve {method}: the {} lesson does ({}, on {})",
            self.program,
            lesson.name,
            start.server_command(),
            lesson.default_addr
        ))
    }
}

impl<S> Layer<S> for WrongKindLayer {
    type Service = WrongKind<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WrongKind {
            inner,
            layer: *self,
        }
    }
}

/// The service [`WrongKindLayer`] wraps around a lesson's `DoStuffServer`.
#[derive(Clone, Debug)]
pub struct WrongKind<S> {
    /// The lesson's service, which answers every call not refused here.
    inner: S,
    /// What this server serves, and who serves the rest.
    layer: WrongKindLayer,
}

/// tonic's router finds a service by its gRPC name: the wrapped service's
/// (`hello.DoStuff`), so the wrapper goes where the service went.
impl<S: NamedService> NamedService for WrongKind<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for WrongKind<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Answer<S::Future, Ready<Result<S::Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        // The router sent us `/hello.DoStuff/{method}`: the method is the
        // path's last part, as the proto names it.
        let path = request.uri().path();
        let method = path.rsplit('/').next().unwrap_or(path);
        match self.layer.served_elsewhere(method) {
            None => Answer::served(self.inner.call(request)),
            Some(message) => {
                info!("{path}: not served here; answered UNIMPLEMENTED: {message}");
                // A status alone, in the reply's headers ("trailers-only"),
                // as tonic answers any call it refuses before the handler.
                let reply = Status::unimplemented(message).into_http();
                Answer::refused(ready(Ok(reply)))
            }
        }
    }
}

pin_project! {
    /// What [`WrongKind`] answers: the lesson's reply, or its own refusal.
    pub struct Answer<F, R> {
        #[pin]
        kind: AnswerKind<F, R>,
    }
}

impl<F, R> Answer<F, R> {
    /// The lesson service answers: `reply` is its future.
    fn served(reply: F) -> Self {
        let kind = AnswerKind::Served { reply };
        Self { kind }
    }

    /// Refused here: `reply` is the UNIMPLEMENTED status, already made.
    fn refused(reply: R) -> Self {
        let kind = AnswerKind::Refused { reply };
        Self { kind }
    }
}

pin_project! {
    // Which of the two (a private enum: the public type is the struct).
    #[project = AnswerProjection]
    enum AnswerKind<F, R> {
        Served {
            #[pin]
            reply: F,
        },
        Refused {
            #[pin]
            reply: R,
        },
    }
}

impl<F: Future, R: Future<Output = F::Output>> Future for Answer<F, R> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            AnswerProjection::Served { reply } => reply.poll(cx),
            AnswerProjection::Refused { reply } => reply.poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETER: Program = Program::new("greeter", "127.0.0.1:50051", &["greet"]);
    const LESSONS: &[Lesson] = &[
        Lesson {
            name: "greeter",
            default_addr: "127.0.0.1:50051",
            methods: &["greet"],
        },
        Lesson {
            name: "streaming",
            default_addr: "127.0.0.1:50052",
            methods: &["greet_stream"],
        },
    ];

    #[test]
    fn another_lessons_method_is_refused_with_that_lessons_command() {
        let layer = WrongKindLayer::new(GREETER, LESSONS);
        assert_eq!(
            layer.served_elsewhere("greet_stream").as_deref(),
            Some(
                "the greeter server does not serve greet_stream: the streaming lesson does (cargo run -p streaming --bin server, on 127.0.0.1:50052)"
            )
        );
        // Its own method, and one no lesson serves, go on to the service.
        assert_eq!(layer.served_elsewhere("greet"), None);
        assert_eq!(layer.served_elsewhere("say_goodbye_forever"), None);
    }
}
