//! The server: `upgrade.Greeter`, as v1 or v2 of the code answers it.
//!
//! Two implementations of the one service, as two deployments of a real
//! one would be: [`GreeterV1`] is today's code, [`GreeterV2`] tomorrow's.
//! Each implements the trait generated from its own proto; both serve the
//! same path, `/upgrade.Greeter/Greet`, which is why a client cannot tell
//! which one it reached except by what the reply says.
//!
//! The server is assembled as every server of this workspace is (see the
//! unary lesson's `start`): health, so that clients following the
//! registry only call a server that answers SERVING; with `--registry`,
//! an entry in etcd; and a graceful shutdown (`RunningServer::shutdown`)
//! that is the *drain* of a rolling upgrade: leave the registry, report
//! NOT_SERVING, stop accepting, let the calls in flight finish within the
//! grace period, stop.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use clap::{Parser, ValueEnum};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use tonic::{
    Request, Response, Status, service::interceptor::InterceptedService, transport::Server,
};

use crate::{
    TOPIC,
    pb::{v1, v2},
};

/// Which version of the code (a server) or of the proto (a client).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Version {
    /// `proto/v1.proto`, and the code deployed today.
    #[default]
    V1,
    /// `proto/v2.proto`, and the code that replaces it.
    V2,
}

impl Version {
    /// "v1" or "v2", as the replies say it.
    pub fn name(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2 => "v2",
        }
    }
}

/// Flags of the server.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "An upgrade.Greeter server, v1 or v2 of its code")]
pub struct Args {
    /// The flags every server has (--addr, --registry, --grace-ms, --delay-ms, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// Which version of the code to run
    #[arg(long, value_enum, default_value_t = Version::V1)]
    pub version: Version,
}

/// How many calls a server has answered, shared by all clones of its
/// service (tonic clones it for each connection): the rolling upgrade
/// watches it to know that a new server is taking calls.
#[derive(Debug, Clone, Default)]
pub struct Answered(Arc<AtomicU64>);

impl Answered {
    /// How many so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// One more.
    fn one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Today's code: answers with a `signature`, and only the moods v1 knows.
#[derive(Debug, Clone, Default)]
pub struct GreeterV1 {
    /// How long each call takes (`--delay-ms`): calls in flight, to drain.
    pub delay: std::time::Duration,
    /// The calls answered.
    pub answered: Answered,
}

#[tonic::async_trait]
impl v1::greeter_server::Greeter for GreeterV1 {
    async fn greet(
        &self,
        request: Request<v1::GreetRequest>,
    ) -> Result<Response<v1::Greeting>, Status> {
        let pid = request.into_inner().pid;
        simulate_work(self.delay).await;
        self.answered.one();
        Ok(Response::new(v1::Greeting {
            text: format!("Hello, {pid}!"),
            mood: v1::Mood::Happy.into(),
            version: Version::V1.name().to_owned(),
            signature: "the v1 server".to_owned(),
        }))
    }
}

/// Tomorrow's code: no `signature` (v2 removed it), a `language` (v2
/// added it), and a mood v1 has no name for.
#[derive(Debug, Clone, Default)]
pub struct GreeterV2 {
    /// How long each call takes (`--delay-ms`).
    pub delay: std::time::Duration,
    /// The calls answered.
    pub answered: Answered,
}

#[tonic::async_trait]
impl v2::greeter_server::Greeter for GreeterV2 {
    async fn greet(
        &self,
        request: Request<v2::GreetRequest>,
    ) -> Result<Response<v2::Greeting>, Status> {
        let pid = request.into_inner().pid;
        simulate_work(self.delay).await;
        self.answered.one();
        Ok(Response::new(v2::Greeting {
            text: format!("Hello, {pid}!"),
            mood: v2::Mood::Excited.into(),
            version: Version::V2.name().to_owned(),
            language: "en".to_owned(),
        }))
    }
}

/// Assembles and starts a server running `version` of the code, counting
/// its calls in `answered`; returns once it is listening (and, with
/// `--registry`, registered). As the unary lesson's `start`, step by step.
pub async fn start(
    version: Version,
    answered: Answered,
    args: &ServerArgs,
) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    let delay = args.delay();
    let limit = args.max_message_bytes;
    // Each version's generated server, behind the size limits and the token
    // check; reflection describes the version this server speaks.
    let router = match version {
        Version::V1 => {
            let greeter = v1::greeter_server::GreeterServer::new(GreeterV1 { delay, answered })
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit);
            builder
                .add_routes(lifecycle.health_and_reflection_describing(&[v1::FILE_DESCRIPTOR_SET])?)
                .add_service(InterceptedService::new(greeter, server::token_check(args)))
        }
        Version::V2 => {
            let greeter = v2::greeter_server::GreeterServer::new(GreeterV2 { delay, answered })
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit);
            builder
                .add_routes(lifecycle.health_and_reflection_describing(&[v2::FILE_DESCRIPTOR_SET])?)
                .add_service(InterceptedService::new(greeter, server::token_check(args)))
        }
    };
    let listener = server::bind(TOPIC, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, TOPIC, args).await
}
