//! The rolling upgrade itself, with a real etcd: v1 servers replaced by v2
//! servers one at a time while a client calls continuously, and no call
//! fails.
//!
//! 1. `--servers` v1 servers start, each registered in etcd.
//! 2. A client built from v1.proto follows the registry (a channel that
//!    spreads calls over the servers registered and SERVING), and
//!    `--callers` tasks call `Greet` on it without pause, counting each
//!    reply by the version that answered, and each failure.
//! 3. For each v1 server, one at a time:
//!    - a v2 server starts and registers; the client's channel takes it in
//!      once it answers SERVING; we wait until it has answered calls;
//!    - the v1 server is *drained*: it leaves etcd (the client drops it
//!      from its channel and sends it no new calls), reports NOT_SERVING,
//!      stops accepting, lets its calls in flight finish within
//!      `--grace-ms`, and stops.
//! 4. Only v2 servers remain; the client makes `--calls-per-step` more
//!    calls, then stops and says how many calls each version answered, and
//!    how many failed.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{self, ClientError},
    code_name,
    server::{RunningServer, StartError},
};
use tokio::task::JoinSet;
use tonic::Status;

use crate::{
    TOPIC,
    client::{Read, Stub, Tally},
    server::{self, Answered, Version},
};

/// Each call's deadline: a call that hangs counts as failed, never as slow.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// The pause of each caller between two calls: continuous, but not a
/// busy loop on a small machine.
const PAUSE: Duration = Duration::from_millis(5);
/// How long a new server may take to answer its first calls.
pub const JOIN_LIMIT: Duration = Duration::from_secs(10);
/// How often to look whether it has.
const POLL: Duration = Duration::from_millis(10);
/// The pid the client's calls carry.
const PID: i32 = 42;

/// Flags of the `upgrade` program.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "A rolling upgrade: v1 servers replaced by v2 ones, one at a time, while a client calls; no call fails"
)]
pub struct Args {
    /// The etcd the servers register in and the client follows (e.g. http://127.0.0.1:2379)
    #[arg(
        long,
        env = "HELLO_REGISTRY",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub registry: String,

    /// How many servers: v1 at the start, v2 at the end
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub servers: u8,

    /// How long a drained server lets its calls in flight finish
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub grace_ms: u64,

    /// How long each call takes on the server: there are calls in flight to drain
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub delay_ms: u64,

    /// How many tasks call at the same time
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..))]
    pub callers: u8,

    /// How many calls each new v2 server answers before the next v1 server is drained
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub calls_per_step: u64,
}

/// What the upgrade did, step by step, for the caller to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A server started and registered in etcd.
    Started {
        /// Its version.
        version: Version,
        /// Where it listens.
        addr: SocketAddr,
    },
    /// The client is calling, through a channel that follows etcd.
    Calling {
        /// How many tasks call at once.
        callers: u8,
    },
    /// A new server has answered its first calls: it is in the client's channel.
    Answering {
        /// Where it listens.
        addr: SocketAddr,
        /// How many calls it has answered.
        calls: u64,
    },
    /// A server is being drained.
    Draining {
        /// Its version.
        version: Version,
        /// Where it listened.
        addr: SocketAddr,
        /// How long its calls in flight may take to finish.
        grace: Duration,
    },
    /// A drained server stopped.
    Stopped {
        /// Its version.
        version: Version,
        /// Where it listened.
        addr: SocketAddr,
        /// How many calls it answered in its life.
        answered: u64,
        /// How long the drain took.
        took: Duration,
    },
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Started { version, addr } => {
                write!(
                    f,
                    "started {} on {addr}, registered in etcd",
                    version.name()
                )
            }
            Step::Calling { callers } => write!(
                f,
                "client (built from v1.proto): {callers} callers, calling continuously through the registry"
            ),
            Step::Answering { addr, calls } => {
                write!(f, "v2 on {addr} has answered {calls} calls")
            }
            Step::Draining {
                version,
                addr,
                grace,
            } => write!(
                f,
                "draining {} on {addr}: leave etcd, NOT_SERVING, finish its calls (grace {} ms), stop",
                version.name(),
                grace.as_millis()
            ),
            Step::Stopped {
                version,
                addr,
                answered,
                took,
            } => write!(
                f,
                "stopped {} on {addr} after {} ms; it answered {answered} calls in all",
                version.name(),
                took.as_millis()
            ),
        }
    }
}

/// What the client counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Every call, from the first to the last.
    pub all: Tally,
    /// The calls *started* once the last v1 server had stopped (a call
    /// started before, answered by v1 just before it stopped, is not one).
    pub after_the_last_v1: Tally,
}

/// Why the upgrade could not be carried out (failed calls are not this:
/// they are counted in the [`Summary`]).
#[derive(Debug)]
pub enum UpgradeError {
    /// A server could not start (etcd down, say).
    Start(StartError),
    /// The client could not follow the registry.
    Client(ClientError),
    /// A new server answered fewer than `--calls-per-step` calls within
    /// [`JOIN_LIMIT`].
    Stalled {
        /// The new server.
        addr: SocketAddr,
        /// The calls it answered.
        answered: u64,
        /// The calls the upgrade waited for (`--calls-per-step`).
        wanted: u64,
    },
}

impl From<StartError> for UpgradeError {
    fn from(error: StartError) -> Self {
        UpgradeError::Start(error)
    }
}

impl From<ClientError> for UpgradeError {
    fn from(error: ClientError) -> Self {
        UpgradeError::Client(error)
    }
}

/// The client's flags: the servers of the etcd at `--registry`.
pub fn client_args(args: &Args) -> ClientArgs {
    ClientArgs {
        registry: Some(args.registry.clone()),
        ..ClientArgs::default()
    }
}

/// Carries out the upgrade (the module's four steps), telling `on_step`
/// each step; returns what the client counted.
pub async fn run(args: &Args, mut on_step: impl FnMut(Step)) -> Result<Summary, UpgradeError> {
    let grace = Duration::from_millis(args.grace_ms);

    // 1. The v1 servers.
    let mut old = Vec::new();
    for _ in 0..args.servers {
        let v1 = Deployed::start(Version::V1, args).await?;
        on_step(Step::Started {
            version: Version::V1,
            addr: v1.addr,
        });
        old.push(v1);
    }

    // 2. The client: a v1 stub on a channel that follows the registry.
    let client_args = client_args(args);
    let channel = unary::client::channel(TOPIC, &client_args).await?;
    let stub = Stub::new(Version::V1, channel, client::attach_token(&client_args)?);
    let calling = Calling::start(stub, args.callers);
    on_step(Step::Calling {
        callers: args.callers,
    });

    // 3. One at a time: a v2 server in, then a v1 server out.
    let mut new = Vec::new();
    for v1 in old {
        let v2 = Deployed::start(Version::V2, args).await?;
        on_step(Step::Started {
            version: Version::V2,
            addr: v2.addr,
        });
        let calls = v2.answers(args.calls_per_step).await?;
        on_step(Step::Answering {
            addr: v2.addr,
            calls,
        });
        new.push(v2);
        on_step(Step::Draining {
            version: Version::V1,
            addr: v1.addr,
            grace,
        });
        on_step(v1.drain(grace).await);
    }

    // 4. Only v2 now: some more calls, counted apart from their start,
    //    then the count.
    calling.late.store(true, Ordering::Relaxed);
    calling.made_late(args.calls_per_step).await;
    let (all, after_the_last_v1) = calling.stop().await;
    for v2 in new {
        v2.server.shutdown(grace).await;
    }
    Ok(Summary {
        all,
        after_the_last_v1,
    })
}

/// A server started by the upgrade.
struct Deployed {
    /// Its version.
    version: Version,
    /// Where it listens.
    addr: SocketAddr,
    /// The calls it has answered.
    answered: Answered,
    /// The server, until it is drained.
    server: RunningServer,
}

impl Deployed {
    /// Starts a `version` server on a free port, registered in etcd.
    async fn start(version: Version, args: &Args) -> Result<Deployed, StartError> {
        let server_args = ServerArgs {
            addr: Some("127.0.0.1:0".to_owned()),
            registry: Some(args.registry.clone()),
            delay_ms: args.delay_ms,
            grace_ms: args.grace_ms,
            ..ServerArgs::default()
        };
        let answered = Answered::default();
        let server = server::start(version, answered.clone(), &server_args).await?;
        // A TCP address: we bound 127.0.0.1:0 (only a unix socket has none).
        let addr = server
            .addr()
            .ok_or_else(|| StartError::NotASocket("127.0.0.1:0".to_owned()))?;
        Ok(Deployed {
            version,
            addr,
            answered,
            server,
        })
    }

    /// Waits until the server has answered `calls` calls in all: the client
    /// has taken it in. Returns how many it has answered.
    async fn answers(&self, calls: u64) -> Result<u64, UpgradeError> {
        let started = Instant::now();
        while self.answered.count() < calls {
            if started.elapsed() > JOIN_LIMIT {
                return Err(UpgradeError::Stalled {
                    addr: self.addr,
                    answered: self.answered.count(),
                    wanted: calls,
                });
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(self.answered.count())
    }

    /// Drains the server (plumbing's graceful shutdown: leave etcd, then
    /// NOT_SERVING, then stop accepting and finish the calls in flight
    /// within `grace`), and says how it went.
    async fn drain(self, grace: Duration) -> Step {
        let started = Instant::now();
        self.server.shutdown(grace).await;
        Step::Stopped {
            version: self.version,
            addr: self.addr,
            answered: self.answered.count(),
            took: started.elapsed(),
        }
    }
}

/// The client's callers: tasks that call without pause until stopped.
struct Calling {
    /// What they counted so far, shared. A `std` mutex: held to count one
    /// call, never across an `.await`.
    tally: Arc<Mutex<Tally>>,
    /// Set once the last v1 server has stopped: the calls started from
    /// then on are also counted in `late_tally`.
    late: Arc<AtomicBool>,
    /// The calls started once `late` was set.
    late_tally: Arc<Mutex<Tally>>,
    /// Set to stop them.
    stop: Arc<AtomicBool>,
    /// The tasks.
    callers: JoinSet<()>,
}

impl Calling {
    /// Starts `callers` tasks calling on clones of `stub` (one channel).
    fn start(stub: Stub, callers: u8) -> Calling {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let late = Arc::new(AtomicBool::new(false));
        let late_tally = Arc::new(Mutex::new(Tally::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = JoinSet::new();
        for _ in 0..callers {
            let mut stub = stub.clone();
            let (tally, late, late_tally) = (tally.clone(), late.clone(), late_tally.clone());
            let stop = stop.clone();
            tasks.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    // Whether this call starts after the last v1 stopped.
                    let started_late = late.load(Ordering::Relaxed);
                    let outcome = stub.greet(PID, Some(CALL_TIMEOUT)).await;
                    if let Err(status) = &outcome {
                        // Said as it happens, beside the steps, as the
                        // client's `--repeat` does; and counted.
                        println!(
                            "a call failed: {}: {}",
                            code_name(status.code()),
                            status.message()
                        );
                    }
                    count(&tally, &outcome);
                    if started_late {
                        count(&late_tally, &outcome);
                    }
                    tokio::time::sleep(PAUSE).await;
                }
            });
        }
        Calling {
            tally,
            late,
            late_tally,
            stop,
            callers: tasks,
        }
    }

    /// What they have counted so far.
    fn tally(&self) -> Tally {
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until they have made `calls` calls started late (after the
    /// last v1 server stopped).
    async fn made_late(&self, calls: u64) {
        let made = || {
            (self.late_tally.lock())
                .unwrap_or_else(PoisonError::into_inner)
                .made
        };
        while made() < calls {
            tokio::time::sleep(POLL).await;
        }
    }

    /// Stops them once their calls in flight end; returns the final count,
    /// of all calls and of those started late.
    async fn stop(mut self) -> (Tally, Tally) {
        self.stop.store(true, Ordering::Relaxed);
        while self.callers.join_next().await.is_some() {}
        let late = self
            .late_tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (self.tally(), late)
    }
}

/// Counts one call's `outcome` in `tally`. A `std` mutex: held to count
/// one call, never across an `.await`.
fn count(tally: &Mutex<Tally>, outcome: &Result<Read, Status>) {
    let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    match outcome {
        Ok(read) => tally.answered(&read.version),
        Err(status) => tally.failed(status),
    }
}
