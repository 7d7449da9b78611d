//! The backend: the server at the end of the hop.
//!
//! Its `say_hello` is the unary lesson's, with `--work-ms` (2 s by default)
//! as its delay: it works that long, then answers the note's
//! "Hello, {pid}!". Around it, the backend says, at the start, which
//! deadline it received (the `grpc-timeout` the relay sent, or none), and
//! at the end how its work ended:
//!
//! - **finished**: the work was done and the reply sent;
//! - **cancelled**: its caller reset the call (the relay's handler was
//!   dropped because *its* caller left): tonic dropped our handler's
//!   future, and the work stopped where it stood;
//! - **stopped by its deadline**: the time it received ran out. The
//!   plumbing's server layer ends the call with DEADLINE_EXCEEDED, which
//!   also drops the handler's future.
//!
//! The work is a single `sleep` (the lesson's `simulate_work`) and checks
//! for nothing: being dropped stops it at its `.await`. The [`IfDropped`]
//! guard is only there to *say* so.

use std::{
    fmt,
    time::{Duration, Instant},
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::{Request, Response, Status, transport::Server};
use unary::server::UnaryService;

use crate::{
    BACKEND, deadline,
    events::{Events, IfDropped},
};

/// A handler dropped this close to its deadline (or after it) was stopped
/// by the deadline, not by a caller who left early. Our clock for the
/// deadline starts when the call *arrives*; the relay's, for the same
/// deadline, started when it *sent* the call, a trip (and, on a first call,
/// a connection) earlier. So the relay's timer fires first, and its reset
/// reaches us a little before our own deadline: that is the deadline too.
pub const AT_THE_DEADLINE: Duration = Duration::from_millis(20);

/// Flags of the backend.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "The backend: say_hello works --work-ms, and says which deadline it received and how its work ended"
)]
pub struct Args {
    /// The flags every server has (--addr, default 127.0.0.1:8908; --delay-ms is the relay's and unused here).
    #[command(flatten)]
    pub common: ServerArgs,

    /// How long each say_hello works before it answers
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub work_ms: u64,
}

/// What became of a call on the backend: each is one log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendEvent {
    /// The call arrived with this `grpc-timeout`, or none.
    Received {
        /// The header as it came (`696873u`), if any.
        header: Option<String>,
        /// What it means, if it could be read.
        timeout: Option<Duration>,
    },
    /// The work was done and the reply sent, this long after the call arrived.
    Finished {
        /// Since the call arrived.
        after: Duration,
    },
    /// The caller reset the call: the handler was dropped, its work undone.
    Cancelled {
        /// Since the call arrived.
        after: Duration,
    },
    /// The deadline passed: the call ended with DEADLINE_EXCEEDED, and the
    /// handler was dropped, its work undone.
    DeadlineExceeded {
        /// Since the call arrived.
        after: Duration,
    },
}

impl fmt::Display for BackendEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendEvent::Received {
                header: Some(header),
                timeout: Some(timeout),
            } => write!(
                f,
                "backend: received grpc-timeout {header} (about {} ms left)",
                timeout.as_millis()
            ),
            BackendEvent::Received {
                header: Some(header),
                timeout: None,
            } => write!(
                f,
                "backend: received an unreadable grpc-timeout {header:?}: no deadline"
            ),
            BackendEvent::Received { header: None, .. } => {
                write!(f, "backend: no grpc-timeout: no deadline")
            }
            BackendEvent::Finished { after } => {
                write!(f, "backend: finished after {} ms", after.as_millis())
            }
            BackendEvent::Cancelled { after } => write!(
                f,
                "backend: cancelled after {} ms: the caller reset the call, the work stopped",
                after.as_millis()
            ),
            BackendEvent::DeadlineExceeded { after } => write!(
                f,
                "backend: deadline exceeded after {} ms: the call ended with DEADLINE_EXCEEDED, the work stopped",
                after.as_millis()
            ),
        }
    }
}

/// The backend's `DoStuff` service.
#[derive(Debug, Clone)]
pub struct Backend {
    /// How long each call works (`--work-ms`).
    pub work: Duration,
    /// Where each call's events go.
    pub events: Events<BackendEvent>,
}

#[tonic::async_trait]
impl DoStuff for Backend {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let arrived = Instant::now();
        let deadline = deadline::of(&request);
        self.events.report(BackendEvent::Received {
            header: deadline::header(&request).map(str::to_owned),
            timeout: deadline::timeout(&request),
        });

        // If this handler is dropped before the guard is disarmed, the
        // guard's closure runs, during the drop: that is the moment the
        // call was cancelled.
        let events = self.events.clone();
        let guard = IfDropped::new(move || {
            let after = arrived.elapsed();
            let deadline_passed = deadline.is_some_and(|deadline| {
                deadline.saturating_duration_since(Instant::now()) <= AT_THE_DEADLINE
            });
            events.report(if deadline_passed {
                BackendEvent::DeadlineExceeded { after }
            } else {
                BackendEvent::Cancelled { after }
            });
        });

        // The work and the reply: the unary lesson's handler, `--work-ms`
        // its delay.
        let lesson = UnaryService { delay: self.work };
        let reply = lesson.say_hello(request).await;

        guard.disarm();
        self.events.report(BackendEvent::Finished {
            after: arrived.elapsed(),
        });
        reply
    }
}

/// Assembles and starts the backend, as the unary lesson's `start` does,
/// and returns once it is listening (on 127.0.0.1:8908 by default).
pub async fn start(backend: Backend, args: &ServerArgs) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let router = server::configure(Server::builder(), args, &lifecycle)?
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(backend),
            args,
        ));
    let listener = server::bind(BACKEND, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, BACKEND, args).await
}
