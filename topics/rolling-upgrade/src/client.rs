//! The client: `Greet`, from a client built from v1.proto or v2.proto
//! (`--proto`), and what it reads of whichever server answered.
//!
//! Protobuf's wire format is a list of (field number, value) pairs; a
//! reader keeps the numbers its proto knows and skips the others. So:
//!
//! - a **v1 client reading a v2 reply** gets `text`, `version`, and the
//!   mood as the number 3, for which its `Mood` enum has no name (prost
//!   keeps the `i32`: `Mood::try_from(3)` fails, and we print the number);
//!   `signature` is empty, since v2 no longer sends it; `language` (5) is
//!   skipped: prost drops fields it does not know.
//! - a **v2 client reading a v1 reply** gets `language` empty (v1 never
//!   sends it), and skips `signature` (4), which v2 reserved.
//!
//! Neither fails: that is what lets both versions serve the same clients
//! during a rolling upgrade. With `--repeat`, the [`Tally`] counts the
//! calls by the version that answered.

use std::{collections::BTreeMap, fmt, time::Duration};

use clap::Parser;
use plumbing::{
    auth::AttachToken,
    cli::ClientArgs,
    client::{self, ClientError},
    code_name,
};
use tonic::{Request, Status, service::interceptor::InterceptedService, transport::Channel};

use crate::{
    TOPIC,
    pb::{v1, v2},
    server::Version,
};

/// Flags of the client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Calls upgrade.Greeter as a client built from v1.proto or v2.proto")]
pub struct Args {
    /// The flags every client has: --addr (or --registry), --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Which proto this client is built from
    #[arg(long, value_enum, default_value_t = Version::V1)]
    pub proto: Version,

    /// How many calls to make, one after another
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,

    /// The pause between two calls, with --repeat
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub every_ms: u64,
}

/// The stub of either version, on the same channel: both call
/// `/upgrade.Greeter/Greet`; they differ in how they read the reply.
#[derive(Debug, Clone)]
pub enum Stub {
    /// Built from v1.proto.
    V1(v1::greeter_client::GreeterClient<InterceptedService<Channel, AttachToken>>),
    /// Built from v2.proto.
    V2(v2::greeter_client::GreeterClient<InterceptedService<Channel, AttachToken>>),
}

/// A reply, as the client read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The version of the server that answered, as the reply says it.
    pub version: String,
    /// Every field the client's proto knows, in one line.
    pub line: String,
}

impl Stub {
    /// A stub built from `proto`, on `channel`, adding `--token` to each call.
    pub fn new(proto: Version, channel: Channel, token: AttachToken) -> Self {
        match proto {
            Version::V1 => Stub::V1(v1::greeter_client::GreeterClient::with_interceptor(
                channel, token,
            )),
            Version::V2 => Stub::V2(v2::greeter_client::GreeterClient::with_interceptor(
                channel, token,
            )),
        }
    }

    /// Calls `Greet` for `pid`, within `timeout` if any, and reads the reply.
    pub async fn greet(&mut self, pid: i32, timeout: Option<Duration>) -> Result<Read, Status> {
        match self {
            Stub::V1(stub) => {
                let mut request = Request::new(v1::GreetRequest { pid });
                if let Some(timeout) = timeout {
                    request.set_timeout(timeout);
                }
                let reply = stub.greet(request).await?.into_inner();
                Ok(Read {
                    line: read_as_v1(&reply),
                    version: reply.version,
                })
            }
            Stub::V2(stub) => {
                let mut request = Request::new(v2::GreetRequest { pid });
                if let Some(timeout) = timeout {
                    request.set_timeout(timeout);
                }
                let reply = stub.greet(request).await?.into_inner();
                Ok(Read {
                    line: read_as_v2(&reply),
                    version: reply.version,
                })
            }
        }
    }
}

/// What a v1 client reads: the mood by name if v1 has one, else its number.
pub fn read_as_v1(reply: &v1::Greeting) -> String {
    let mood = match v1::Mood::try_from(reply.mood) {
        Ok(mood) => mood.as_str_name().to_owned(),
        Err(_) => format!("{} (a value v1.proto has no name for)", reply.mood),
    };
    format!(
        "{} (from {}; mood {mood}; signature {:?})",
        reply.text, reply.version, reply.signature
    )
}

/// What a v2 client reads.
pub fn read_as_v2(reply: &v2::Greeting) -> String {
    let mood = match v2::Mood::try_from(reply.mood) {
        Ok(mood) => mood.as_str_name().to_owned(),
        Err(_) => format!("{} (a value v2.proto has no name for)", reply.mood),
    };
    format!(
        "{} (from {}; mood {mood}; language {:?})",
        reply.text, reply.version, reply.language
    )
}

/// Calls counted: how many were made, answered by each version, failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls made.
    pub made: u64,
    /// Calls answered, by the version the reply names.
    pub by_version: BTreeMap<String, u64>,
    /// Calls that failed.
    pub failed: u64,
    /// The first failure, to say what went wrong.
    pub first_failure: Option<String>,
}

impl Tally {
    /// Counts a call answered by `version`.
    pub fn answered(&mut self, version: &str) {
        self.made += 1;
        *self.by_version.entry(version.to_owned()).or_default() += 1;
    }

    /// Counts a call that failed with `status`.
    pub fn failed(&mut self, status: &Status) {
        self.made += 1;
        self.failed += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{}: {}", code_name(status.code()), status.message()));
    }

    /// How many calls `version` answered.
    pub fn answered_by(&self, version: Version) -> u64 {
        self.by_version.get(version.name()).copied().unwrap_or(0)
    }

    /// `Ok` if no call failed; else the error the client reports.
    pub fn outcome(&self, last_succeeded: bool) -> Result<(), ClientError> {
        if self.failed == 0 {
            return Ok(());
        }
        Err(ClientError::SomeCallsFailed {
            failed: u32::try_from(self.failed).unwrap_or(u32::MAX),
            made: u32::try_from(self.made).unwrap_or(u32::MAX),
            last_succeeded,
        })
    }
}

impl fmt::Display for Tally {
    /// `300 calls: v1 answered 120, v2 answered 180; failed 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} calls:", self.made)?;
        for (version, n) in &self.by_version {
            write!(f, " {version} answered {n},")?;
        }
        write!(f, " failed {}", self.failed)?;
        if let Some(first) = &self.first_failure {
            write!(f, " (the first: {first})")?;
        }
        Ok(())
    }
}

/// Calls `Greet` `--repeat` times, printing what each reply says as this
/// client's proto reads it, and with `--repeat` the tally.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    // `--addr`, or with `--registry` a channel that follows the servers
    // registered in etcd: the lessons' channel, which knows both.
    let channel = unary::client::channel(TOPIC, &args.common).await?;
    let mut stub = Stub::new(args.proto, channel, client::attach_token(&args.common)?);
    let (pid, timeout) = (args.common.pid(), args.common.timeout());
    let context = client::Context::new(TOPIC, &args.common);

    let mut tally = Tally::default();
    let mut last_succeeded = false;
    for call in 1..=args.repeat {
        if call > 1 {
            tokio::time::sleep(Duration::from_millis(args.every_ms)).await;
        }
        match stub.greet(pid, timeout).await {
            Ok(read) => {
                println!("GRPC client received: {}", read.line);
                tally.answered(&read.version);
                last_succeeded = true;
            }
            // One call: its failure is the client's, advised as usual.
            Err(status) if args.repeat == 1 => return Err(status.into()),
            // Several: each failure is said as it happens, and counted.
            Err(status) => {
                tally.failed(&status);
                last_succeeded = false;
                let line = client::explain(&ClientError::Call(status), &context);
                println!("call {call} failed: {line}");
            }
        }
    }
    if args.repeat > 1 {
        println!("{tally}");
    }
    tally.outcome(last_succeeded)
}
