//! The relay: a server that is also a client.
//!
//! Its `say_hello` does `--delay-ms` of work of its own, then calls the
//! backend's `say_hello` and answers with the backend's reply (or status).
//! Two things must cross the hop with the call, and tonic carries neither
//! by itself:
//!
//! 1. **The deadline.** The client said "I will wait 1 s". After 300 ms of
//!    the relay's work, only 700 ms of that are left, and the backend should
//!    know it: a backend that thinks it has all the time in the world works
//!    on after everyone upstream has given up. So the relay reads its
//!    caller's deadline when the call arrives ([`deadline::of`]) and, when
//!    it calls on, sets what is left on its own request
//!    (`Request::set_timeout`), which sends it
//!    as the backend's `grpc-timeout`.
//! 2. **The cancellation.** When the client goes away (Ctrl-C, or it drops
//!    the call), its HTTP/2 stream is reset, and tonic drops the relay's
//!    handler future. The outgoing call is a future *inside* it, so it is
//!    dropped too, and dropping a call in flight resets *its* stream: the
//!    backend's handler is dropped in turn. Nothing to write: it is what
//!    awaiting the backend's reply inside the handler gives for free.
//!
//! `--no-propagation` shows what both are worth: the relay sends the call
//! with no deadline, from a task of its own (`tokio::spawn`) that outlives
//! the handler. The client gives up; the backend works on, and finishes
//! work whose answer nobody waits for any more.

use std::{
    fmt,
    time::{Duration, Instant},
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_client::DoStuffClient,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    addr::{self, AddrProblem, BadAddr},
    cli::ServerArgs,
    client, code_name,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use tokio::sync::oneshot;
use tonic::{
    Code, Request, Response, Status,
    transport::{Channel, Endpoint, Server},
};

use crate::{
    BACKEND, RELAY, deadline,
    events::{Events, IfDropped},
};

/// What the relay keeps back of its caller's deadline, for its own answer.
/// Passed on whole, the backend call would time out at the very moment the
/// relay's own deadline cuts the relay's handler off, and which of the two
/// ends the call would be a race. 5 ms earlier, the backend call has ended
/// with DEADLINE_EXCEEDED while the relay's handler is still there to
/// answer with it.
pub const REPLY_MARGIN: Duration = Duration::from_millis(5);

/// How long the relay waits for a TCP connection to the backend.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Flags of the relay (the `server` program).
#[derive(Parser, Debug, Clone)]
#[command(
    about = "The relay: say_hello waits --delay-ms, then calls the backend with what is left of its caller's deadline"
)]
pub struct Args {
    /// The flags every server has (--addr, default 127.0.0.1:8907; --delay-ms, the relay's own work before it calls the backend).
    #[command(flatten)]
    pub common: ServerArgs,

    /// The backend to call, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = BACKEND.default_addr, value_parser = parse_backend)]
    pub backend: String,

    /// Call the backend from a detached task, with no deadline: it works on after the client has gone
    #[arg(long)]
    pub no_propagation: bool,
}

/// `--backend`'s value, checked as `--addr`'s are.
fn parse_backend(text: &str) -> Result<String, String> {
    match addr::check(text, false) {
        Ok(_) => Ok(text.to_owned()),
        Err(BadAddr { problem, .. }) => Err(format!("not HOST:PORT: {problem}")),
    }
}

/// What the relay did with a call: each is one log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// Its own work done, the relay calls the backend with this timeout.
    Calling {
        /// The timeout set on the backend call (`None`: no deadline).
        timeout: Option<Duration>,
        /// The timeout the relay's caller set, if any.
        received: Option<Duration>,
    },
    /// Its own work used up the caller's deadline: no call to the backend.
    NoTimeLeft,
    /// The backend answered, with this status code (`Code::Ok`: a reply).
    BackendAnswered {
        /// The status of the backend call, OK included.
        code: Code,
        /// Since the relay called it.
        after: Duration,
        /// Whether the relay's handler was still there to use the answer.
        awaited: bool,
    },
    /// The relay's handler was dropped before it answered: its caller
    /// left, or the caller's deadline passed.
    Dropped {
        /// Since the call arrived at the relay.
        after: Duration,
        /// Whether the backend call runs on in a task of its own
        /// (`--no-propagation`) instead of being dropped with the handler.
        detached: bool,
    },
}

impl fmt::Display for RelayEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: &Duration| d.as_millis();
        match self {
            RelayEvent::Calling {
                timeout: Some(timeout),
                received: Some(received),
            } => write!(
                f,
                "relay: calling the backend with a deadline of {} ms (what is left of the caller's {} ms)",
                ms(timeout),
                ms(received)
            ),
            RelayEvent::Calling {
                timeout: None,
                received: Some(received),
            } => write!(
                f,
                "relay: calling the backend with NO deadline (--no-propagation; the caller's was {} ms)",
                ms(received)
            ),
            RelayEvent::Calling { .. } => write!(
                f,
                "relay: calling the backend with no deadline (the caller set none)"
            ),
            RelayEvent::NoTimeLeft => write!(
                f,
                "relay: no time left of the caller's deadline: not calling the backend, answering DEADLINE_EXCEEDED"
            ),
            RelayEvent::BackendAnswered {
                code,
                after,
                awaited: true,
            } => write!(
                f,
                "relay: the backend answered {} after {} ms",
                code_name(*code),
                ms(after)
            ),
            RelayEvent::BackendAnswered {
                code,
                after,
                awaited: false,
            } => write!(
                f,
                "relay: the backend answered {} after {} ms, but nobody was waiting for it any more",
                code_name(*code),
                ms(after)
            ),
            RelayEvent::Dropped {
                after,
                detached: false,
            } => write!(
                f,
                "relay: dropped after {} ms (the caller left, or its deadline passed); the backend call, awaited in the handler, is dropped and reset with it",
                ms(after)
            ),
            RelayEvent::Dropped {
                after,
                detached: true,
            } => write!(
                f,
                "relay: dropped after {} ms (the caller left, or its deadline passed); the backend call runs on in its own task (--no-propagation)",
                ms(after)
            ),
        }
    }
}

/// The relay's `DoStuff` service.
#[derive(Debug, Clone)]
pub struct Relay {
    /// Its own work before it calls on (`--delay-ms`).
    delay: Duration,
    /// The stub for the backend: the relay is its client.
    backend: DoStuffClient<Channel>,
    /// The backend's address, for messages.
    backend_addr: String,
    /// Whether to pass the deadline and the cancellation on (not `--no-propagation`).
    propagate: bool,
    /// Where each call's events go.
    events: Events<RelayEvent>,
}

impl Relay {
    /// The relay the flags describe, with a lazy channel to the backend: it
    /// connects on the first call, so the two servers may start in any order.
    pub fn new(args: &Args, events: Events<RelayEvent>) -> Result<Relay, StartError> {
        let endpoint = Endpoint::from_shared(format!("http://{}", args.backend)).map_err(|_| {
            StartError::BadAddr(BadAddr {
                addr: args.backend.clone(),
                problem: AddrProblem::Other("not a valid address for the backend"),
            })
        })?;
        let channel = endpoint.connect_timeout(CONNECT_TIMEOUT).connect_lazy();
        Ok(Relay {
            delay: args.common.delay(),
            backend: DoStuffClient::new(channel),
            backend_addr: args.backend.clone(),
            propagate: !args.no_propagation,
            events,
        })
    }

    /// Calls the backend as a handler should: within what is left of the
    /// caller's deadline, awaited right here, so that it is dropped (and
    /// the backend's call reset) if this handler is.
    async fn call_propagating(
        &self,
        pid: i32,
        deadline: Option<Instant>,
        received: Option<Duration>,
    ) -> Result<String, Status> {
        let timeout = deadline.map(|deadline| deadline::left(deadline, REPLY_MARGIN));
        if timeout == Some(Duration::ZERO) {
            self.events.report(RelayEvent::NoTimeLeft);
            return Err(Status::deadline_exceeded(
                "the relay's own work used up the deadline; the backend was not called",
            ));
        }
        self.events
            .report(RelayEvent::Calling { timeout, received });
        let called = Instant::now();
        let mut backend = self.backend.clone();
        // What is left of the deadline goes on the request (`set_timeout`:
        // the backend's `grpc-timeout`); tonic gives up on the call when it
        // passes, which `deadline_named` reports as DEADLINE_EXCEEDED.
        let mut request = Request::new(HelloRequest { pid });
        if let Some(timeout) = timeout {
            request.set_timeout(timeout);
        }
        let answer = (backend.say_hello(request).await)
            .map(|response| response.into_inner().retval)
            .map_err(client::deadline_named);
        self.events.report(RelayEvent::BackendAnswered {
            code: answer.as_ref().map_or_else(Status::code, |_| Code::Ok),
            after: called.elapsed(),
            awaited: true,
        });
        answer
    }

    /// Calls the backend the way not to: from a task of its own, which
    /// lives on if this handler is dropped, and with no deadline.
    async fn call_detached(&self, pid: i32, received: Option<Duration>) -> Result<String, Status> {
        self.events.report(RelayEvent::Calling {
            timeout: None,
            received,
        });
        let (answer, waiting) = oneshot::channel();
        let mut backend = self.backend.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let called = Instant::now();
            let reply = backend.say_hello(HelloRequest { pid }).await;
            let reply = reply.map(|reply| reply.into_inner().retval);
            let code = reply.as_ref().map_or_else(Status::code, |_| Code::Ok);
            // Fails if the handler, which held `waiting`, was dropped.
            let awaited = answer.send(reply).is_ok();
            events.report(RelayEvent::BackendAnswered {
                code,
                after: called.elapsed(),
                awaited,
            });
        });
        waiting
            .await
            .map_err(|_| Status::internal("the relay's call to the backend was lost"))?
    }

    /// The backend's status, as the relay's caller should see it: an
    /// unreachable backend is not an unreachable relay.
    fn explain(&self, status: Status) -> Status {
        if status.code() != Code::Unavailable {
            return status;
        }
        Status::unavailable(format!(
            "the relay cannot reach its backend at {} ({}); start it with: cargo run -p propagation --bin backend",
            self.backend_addr,
            status.message()
        ))
    }
}

#[tonic::async_trait]
impl DoStuff for Relay {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        // 1. When the caller stops waiting, on our clock: read now, as the
        //    call arrives, before any work of ours eats into it.
        let arrived = Instant::now();
        let deadline = deadline::of(&request);
        let received = deadline::timeout(&request);
        let pid = request.into_inner().pid;

        let (events, detached) = (self.events.clone(), !self.propagate);
        let guard = IfDropped::new(move || {
            events.report(RelayEvent::Dropped {
                after: arrived.elapsed(),
                detached,
            });
        });

        // 2. The relay's own work, which uses up part of the deadline.
        simulate_work(self.delay).await;

        // 3. The call to the backend, with what is left.
        let answer = if self.propagate {
            self.call_propagating(pid, deadline, received).await
        } else {
            self.call_detached(pid, received).await
        };
        guard.disarm();
        let retval = answer.map_err(|status| self.explain(status))?;
        Ok(Response::new(HelloReply { retval }))
    }
}

/// Assembles and starts the relay, as the unary lesson's `start` does, and
/// returns once it is listening (on 127.0.0.1:8907 by default).
pub async fn start(relay: Relay, args: &ServerArgs) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let router = server::configure(Server::builder(), args, &lifecycle)?
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(relay),
            args,
        ));
    let listener = server::bind(RELAY, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, RELAY, args).await
}
