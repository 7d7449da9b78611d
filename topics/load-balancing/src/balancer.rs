//! Client-side load balancing, by hand: one channel per server, a health
//! watch on each, and a *picker* that chooses the server of each call.
//!
//! gRPC's clients balance this way (the "load balancing policy" of the
//! service config): the name resolves to several addresses, each gets its
//! own connection (a *subchannel*), and for every call the policy picks a
//! subchannel that is READY, which with health checking also means its
//! server says SERVING. Three policies, each a few lines of [`Balancer::pick`]:
//!
//! - **pick_first**: the first server in the list that can take calls, for
//!   every call. gRPC's default: no balancing at all, only failover.
//! - **round_robin**: each server in turn, skipping those that cannot.
//! - **power of two choices** (p2c): two servers at random, the call to the
//!   one with fewer calls *outstanding* (sent, not yet answered). A slow or
//!   busy server piles up outstanding calls and gets fewer new ones; two
//!   random choices, not all, so that many clients do not all rush the one
//!   server that looks least busy. tower's `p2c` balancer does this, and is
//!   what tonic's own `Channel::balance_list(endpoints)` uses (the unary
//!   lesson's client, given several `--addr`): one `Channel` over many, with
//!   no picker to read and no health checking of its own.
//!
//! Health: the balancer watches each server's `grpc.health.v1.Health/Watch`
//! for `hello.DoStuff`, on a connection of its own beside the calls'; a
//! server that says NOT_SERVING, or cannot be reached, is skipped until it
//! says SERVING again. Why its own connection: the watch is a call that
//! never ends. When a server recycles its connections (`max_connection_age`:
//! an HTTP/2 GOAWAY, "start nothing new here"), a connection with the watch
//! on it stays open, draining, for as long as the watch; tonic's channel
//! keeps sending new calls on it, and the server refuses them (CANCELLED).
//! Alone, the calls' connection closes as soon as its last call is
//! answered, and the channel opens a new one for the next call.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use hello_proto::pb::{
    HelloRequest, do_stuff_client::DoStuffClient, do_stuff_server::SERVICE_NAME,
};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tokio::{sync::watch, task::JoinHandle};
use tonic::{Code, Request, Status, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::SERVED_BY;

/// How a server is picked for each call (`--policy`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The first server that can take calls, for every call (gRPC's default).
    PickFirst,
    /// Each server in turn.
    RoundRobin,
    /// Two servers at random; the one with fewer calls outstanding.
    P2c,
}

impl fmt::Display for Policy {
    /// As `--policy` spells it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Policy::PickFirst => "pick-first",
            Policy::RoundRobin => "round-robin",
            Policy::P2c => "p2c",
        })
    }
}

/// What a server's health watch last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not heard yet.
    Unknown,
    /// SERVING (or a server without a health service, which is trusted).
    Serving,
    /// NOT_SERVING: it asks for no calls.
    NotServing,
    /// No answer: not listening, or the connection broke.
    Unreachable,
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Health::Unknown => "not heard yet",
            Health::Serving => "SERVING",
            Health::NotServing => "NOT_SERVING",
            Health::Unreachable => "unreachable",
        })
    }
}

/// How long after a failed or ended health watch it is opened again.
const WATCH_AGAIN_AFTER: Duration = Duration::from_millis(300);

/// One server: its channel (one connection), its health, its calls in flight.
#[derive(Debug)]
struct Backend {
    /// The address dialled, `--addr`.
    addr: String,
    /// The stub on this server's own channel.
    stub: Stub,
    /// Calls sent and not yet answered: what p2c compares. Shared with
    /// each call's [`InFlight`] guard, which lowers it when the call ends.
    outstanding: Arc<AtomicUsize>,
    /// The latest word of the health watch.
    health: watch::Receiver<Health>,
}

/// The servers, and the policy that picks one for each call.
#[derive(Debug)]
pub struct Balancer {
    /// One per `--addr`, in order: pick_first's "first" is the first here.
    backends: Vec<Backend>,
    /// `--policy`.
    policy: Policy,
    /// round_robin: where the next turn starts.
    next: usize,
    /// p2c: the random choices, seeded, so a run can be repeated.
    random: XorShift,
    /// The health watches, stopped when the balancer is dropped.
    watches: Vec<JoinHandle<()>>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        for watch in &self.watches {
            watch.abort();
        }
    }
}

impl Balancer {
    /// A balancer over `addrs` with `policy` and the random `seed` (p2c).
    /// Each server gets its own lazy channel; with two or more, each also
    /// gets a health watch, which prints every change of its health. (With
    /// one address there is nothing to choose: its calls go out as a plain
    /// client's would, and nothing else is sent on its connection.)
    pub fn new(
        addrs: &[String],
        policy: Policy,
        seed: u64,
        args: &ClientArgs,
    ) -> Result<Self, ClientError> {
        let mut backends = Vec::new();
        let mut watches = Vec::new();
        for addr in addrs {
            let endpoint = unary::client::endpoint(addr, args.speaks_tls(), args)?;
            let channel = endpoint.connect_lazy();
            let watched = addrs.len() > 1;
            // Unwatched, the one server counts as SERVING.
            let first = if watched {
                Health::Unknown
            } else {
                Health::Serving
            };
            let (report, health) = watch::channel(first);
            if watched {
                // A second lazy channel: a connection of its own (see above).
                let watch = watch_health(addr.clone(), endpoint.connect_lazy(), report);
                watches.push(tokio::spawn(watch));
            }
            let stub = DoStuffClient::with_interceptor(channel, client::attach_token(args)?);
            backends.push(Backend {
                addr: addr.clone(),
                stub,
                outstanding: Arc::default(),
                health,
            });
        }
        Ok(Self {
            backends,
            policy,
            next: 0,
            random: XorShift::seeded(seed),
            watches,
        })
    }

    /// The address of server `index`.
    pub fn addr(&self, index: usize) -> &str {
        &self.backends[index].addr
    }

    /// How many servers this balancer picks among.
    pub fn len(&self) -> usize {
        self.backends.len()
    }

    /// Whether it has no server at all (never: `new` is given at least one).
    pub fn is_empty(&self) -> bool {
        self.backends.is_empty()
    }

    /// What the health watch of server `index` last said.
    pub fn health(&self, index: usize) -> Health {
        *self.backends[index].health.borrow()
    }

    /// Waits until every server's health is known (at most `within`), so
    /// that the first calls are picked among all: pick_first would pick
    /// the second server if the first had not answered yet.
    pub async fn wait_for_health(&self, within: Duration) {
        let all_heard = async {
            for backend in &self.backends {
                let mut health = backend.health.clone();
                let _ = health.wait_for(|h| *h != Health::Unknown).await;
            }
        };
        let _ = tokio::time::timeout(within, all_heard).await;
    }

    /// Waits until server `index`'s health is as `wanted` says (at most
    /// `within`); whether it is.
    pub async fn wait_until(
        &self,
        index: usize,
        wanted: impl Fn(Health) -> bool,
        within: Duration,
    ) -> bool {
        let mut health = self.backends[index].health.clone();
        let seen = tokio::time::timeout(within, health.wait_for(|h| wanted(*h))).await;
        matches!(seen, Ok(Ok(_)))
    }

    /// The policy's choice for the next call: a server's index, or `None`
    /// when no server can take calls.
    pub fn pick(&mut self) -> Option<usize> {
        // Only SERVING servers take calls; the others are skipped.
        let usable: Vec<usize> = (0..self.backends.len())
            .filter(|&i| self.health(i) == Health::Serving)
            .collect();
        let picked = match self.policy {
            Policy::PickFirst => *usable.first()?,
            Policy::RoundRobin => {
                // The first usable server from our turn on, round the list.
                let turn = usable.iter().find(|&&i| i >= self.next);
                let picked = *turn.or(usable.first())?;
                self.next = picked + 1;
                picked
            }
            Policy::P2c => {
                if usable.len() < 2 {
                    return usable.first().copied();
                }
                // Two different servers at random...
                let a = self.random.below(usable.len());
                let b = (a + 1 + self.random.below(usable.len() - 1)) % usable.len();
                let (a, b) = (usable[a], usable[b]);
                // ...and the one with fewer calls outstanding (a on a tie).
                let load = |i: usize| self.backends[i].outstanding.load(Ordering::Relaxed);
                if load(b) < load(a) { b } else { a }
            }
        };
        Some(picked)
    }

    /// Starts `say_hello` on server `index`: counted as outstanding from
    /// now until the returned future ends. The future gives the reply's
    /// `x-served-by` (or "?" if it had none), or the status it failed with.
    pub fn call(
        &self,
        index: usize,
        pid: i32,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<String, Status>> + use<> {
        let backend = &self.backends[index];
        let mut stub = backend.stub.clone();
        let in_flight = InFlight::new(&backend.outstanding);
        async move {
            let mut request = Request::new(HelloRequest { pid });
            if let Some(timeout) = timeout {
                request.set_timeout(timeout);
            }
            let outcome = stub.say_hello(request).await;
            drop(in_flight);
            let reply = outcome.map_err(client::deadline_named)?;
            let served_by = reply.metadata().get(SERVED_BY);
            let served_by = served_by.and_then(|name| name.to_str().ok());
            Ok(served_by.unwrap_or("?").to_owned())
        }
    }
}

/// A call in flight on one server: counted in its `outstanding` while
/// this lives, whichever way the call ends (a reply, an error, dropped).
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Counts one more call outstanding on `outstanding`.
    fn new(outstanding: &Arc<AtomicUsize>) -> Self {
        outstanding.fetch_add(1, Ordering::Relaxed);
        Self(outstanding.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Watches the health of the server at `addr` on its `channel` and sends
/// each change to `report`, printing it; forever (the balancer aborts it).
async fn watch_health(addr: String, channel: Channel, report: watch::Sender<Health>) {
    let mut health = HealthClient::new(channel);
    loop {
        let request = HealthCheckRequest {
            service: SERVICE_NAME.to_owned(),
        };
        // The server answers at once with the status now, then again at
        // each change, on one long-lived stream.
        let outcome = match health.watch(request).await {
            Ok(statuses) => forward(statuses.into_inner(), &addr, &report).await,
            Err(status) => Err(status),
        };
        let now = match outcome {
            // A server without a health service: trust it, stop watching.
            Err(status) if status.code() == Code::Unimplemented => {
                return change(&addr, &report, Health::Serving);
            }
            // The stream ended or broke: the server went away.
            _ => Health::Unreachable,
        };
        change(&addr, &report, now);
        tokio::time::sleep(WATCH_AGAIN_AFTER).await;
    }
}

/// Reports each status the watch stream `statuses` sends, until it ends.
async fn forward(
    mut statuses: tonic::Streaming<tonic_health::pb::HealthCheckResponse>,
    addr: &str,
    report: &watch::Sender<Health>,
) -> Result<(), Status> {
    while let Some(reply) = statuses.message().await? {
        let health = if reply.status() == ServingStatus::Serving {
            Health::Serving
        } else {
            Health::NotServing
        };
        change(addr, report, health);
    }
    Ok(())
}

/// Sets the health of `addr` to `now`, printing it if it changed (but
/// not the first SERVING).
fn change(addr: &str, report: &watch::Sender<Health>, now: Health) {
    // Printed before it is sent, so it comes before the calls it changes;
    // a server SERVING from the start goes without saying.
    let before = *report.borrow();
    if before != now && (before, now) != (Health::Unknown, Health::Serving) {
        let what = if now == Health::Serving {
            "takes calls"
        } else {
            "no calls go there"
        };
        println!("health: {addr} is {now}: {what}");
    }
    report.send_replace(now);
}

/// A dozen lines of xorshift64*: enough randomness to pick two servers,
/// seeded so that a run (and a test) can be repeated exactly.
#[derive(Debug)]
struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (zero would stay zero forever: made one).
    fn seeded(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A number in `0..n` (`n` above zero).
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // The high bits are the best mixed; the modulo's bias is negligible here.
        ((x >> 32) % n as u64) as usize
    }
}
