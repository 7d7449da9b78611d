//! The client: `--calls` say_hello calls, each to the server the policy
//! picks ([`crate::balancer`]), then how many calls each server took.
//!
//! Two counts, because they can differ: *sent to*, the address the client
//! picked, and *served by*, the name the server put in the reply's
//! `x-served-by`. Straight to the servers the two agree. Through a TCP
//! proxy the client sent everything to one address, the proxy's, and only
//! the replies tell which servers did the work.

use std::{
    collections::BTreeMap,
    fmt,
    time::{Duration, Instant},
};

use clap::Parser;
use futures::stream::{FuturesUnordered, StreamExt as _};
use plumbing::{cli::ClientArgs, client::ClientError};
use tonic::Status;

use crate::balancer::{Balancer, Health, Policy};

/// The three servers of the README, the client's default `--addr`.
pub const SERVERS: [&str; 3] = ["127.0.0.1:8911", "127.0.0.1:8912", "127.0.0.1:8913"];

/// How long the client waits for every server's first health word.
const FIRST_HEALTH_WITHIN: Duration = Duration::from_secs(5);

/// Flags of the load-balancing client.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Calls say_hello on several servers, picking one per call (pick_first, round_robin, p2c), and counts who served them"
)]
pub struct Args {
    /// The flags every client has: --addr (repeat it: the servers to balance over; default the three of the README), --pid, --timeout-ms, ...
    #[command(flatten)]
    pub common: ClientArgs,

    /// How the server of each call is picked
    #[arg(long, value_enum, default_value = "round-robin")]
    pub policy: Policy,

    /// How many calls to make
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    pub calls: u32,

    /// How many calls may be in flight at once (with the server's --delay-ms, p2c sees them outstanding)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub in_flight: u32,

    /// Pause between calls, and print each one as it ends (a failed one is always printed): watch the counts move while you stop a server
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub every_ms: u64,

    /// The seed of p2c's random choices: the same seed, the same choices
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

impl Args {
    /// The servers to balance over: `--addr`, or [`SERVERS`].
    pub fn addrs(&self) -> Vec<String> {
        if self.common.addr.is_empty() {
            SERVERS.map(str::to_owned).to_vec()
        } else {
            self.common.addr.clone()
        }
    }
}

/// What became of the calls: how many each address was sent, how many
/// each server says it served, and the failures.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Calls per address picked (`--addr`).
    pub sent_to: BTreeMap<String, u32>,
    /// Calls per `x-served-by` of the replies.
    pub served_by: BTreeMap<String, u32>,
    /// How many calls were made.
    pub made: u32,
    /// How many failed (on the server, or finding none to go to).
    pub failed: u32,
    /// The status of the last call that failed.
    pub last_failure: Option<Status>,
    /// Whether the last call to end succeeded.
    pub last_succeeded: bool,
}

impl fmt::Display for Tally {
    /// The counts, one line each, as the client prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (addr, &n) in &self.sent_to {
            writeln!(f, "sent to   {addr}: {}", calls(n))?;
        }
        for (name, &n) in &self.served_by {
            writeln!(f, "served by {name}: {}", calls(n))?;
        }
        write!(f, "{}, {} failed", calls(self.made), self.failed)
    }
}

/// Runs the client as the `client` binary does: the calls, then the counts.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    // The flag every client shares, which this one has no use for: it
    // balances over the addresses it is given. Said, not silently ignored.
    if args.common.registry().is_some() {
        return Err(ClientError::Flag(
            "--registry (or HELLO_REGISTRY): this client balances over the servers given by --addr itself; \
             for servers found in etcd, see the rolling-upgrade topic"
                .to_owned(),
        ));
    }
    let addrs = args.addrs();
    let mut balancer = Balancer::new(&addrs, args.policy, args.seed, &args.common)?;
    balancer.wait_for_health(FIRST_HEALTH_WITHIN).await;
    println!(
        "{} over {}: {}, {} at a time",
        args.policy,
        addrs.join(", "),
        calls(args.calls),
        args.in_flight
    );
    let plan = Plan {
        calls: args.calls,
        in_flight: args.in_flight,
        every: Duration::from_millis(args.every_ms),
        pid: args.common.pid(),
        timeout: args.common.timeout(),
    };
    let paced = args.every_ms > 0;
    let started = Instant::now();
    let tally = make_calls(&mut balancer, &plan, |call| {
        // A failure is always shown: the last line counts on it.
        if paced || call.outcome.is_err() {
            println!("{call}");
        }
    })
    .await;
    println!("{tally}, in {} ms", started.elapsed().as_millis());
    match tally.failed {
        0 => Ok(()),
        // Every call failed (one call, or all of them): the last status,
        // explained, with what to do. Some: how many failed, as the unary
        // client's `--repeat` says it (each was printed as it failed).
        failed => match (tally.made, tally.last_failure) {
            (made, Some(status)) if made == failed => Err(ClientError::Call(status)),
            (made, _) => Err(ClientError::SomeCallsFailed {
                failed,
                made,
                last_succeeded: tally.last_succeeded,
            }),
        },
    }
}

/// The status of a call with no server to go to, and what to do: the
/// advice depends on what the health watches last said.
fn none_serving(balancer: &Balancer) -> Status {
    let all_unreachable = (0..balancer.len()).all(|i| balancer.health(i) == Health::Unreachable);
    let what_to_do = if all_unreachable {
        "none can be reached: start them, one per --addr, with: \
         cargo run -p load-balancing --bin server -- --addr HOST:PORT"
    } else {
        "each is unreachable or says NOT_SERVING: wait for one to say SERVING again, or start another \
         and give its --addr"
    };
    Status::unavailable(format!(
        "no server is SERVING (see the health lines above); {what_to_do}"
    ))
}

/// "1 call", "2 calls".
fn calls(n: u32) -> String {
    if n == 1 {
        "1 call".to_owned()
    } else {
        format!("{n} calls")
    }
}

/// The calls to make, as the flags say.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `--calls`.
    pub calls: u32,
    /// `--in-flight`.
    pub in_flight: u32,
    /// `--every-ms`.
    pub every: Duration,
    /// `--pid`.
    pub pid: i32,
    /// `--timeout-ms`, each call's deadline.
    pub timeout: Option<Duration>,
}

/// One call, as it ended.
#[derive(Debug)]
pub struct Call {
    /// Its number, from 1.
    pub number: u32,
    /// The address picked, if one could be.
    pub sent_to: Option<String>,
    /// Who served it (`x-served-by`), or why it failed.
    pub outcome: Result<String, Status>,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sent = match &self.sent_to {
            Some(addr) => format!("sent to {addr}"),
            None => "not sent".to_owned(),
        };
        match &self.outcome {
            Ok(name) => write!(f, "call {}: {sent}, served by {name}", self.number),
            Err(status) => write!(
                f,
                "call {}: {sent}, failed: {}: {}",
                self.number,
                plumbing::code_name(status.code()),
                status.message()
            ),
        }
    }
}

/// Makes the calls of `plan`, each to the server `balancer` picks, at most
/// `plan.in_flight` at once; hands each ended [`Call`] to `on_call`;
/// returns the counts.
pub async fn make_calls(
    balancer: &mut Balancer,
    plan: &Plan,
    mut on_call: impl FnMut(&Call),
) -> Tally {
    let mut tally = Tally::default();
    let mut record = |call: Call| {
        on_call(&call);
        tally.made += 1;
        tally.last_succeeded = call.outcome.is_ok();
        if let Some(addr) = &call.sent_to {
            *tally.sent_to.entry(addr.clone()).or_default() += 1;
        }
        match call.outcome {
            Ok(name) => *tally.served_by.entry(name).or_default() += 1,
            Err(status) => {
                tally.failed += 1;
                tally.last_failure = Some(status);
            }
        }
    };
    // The calls in flight; each picked (and counted outstanding) when it
    // starts, so p2c sees the ones still running.
    let mut running = FuturesUnordered::new();
    for number in 1..=plan.calls {
        if running.len() == plan.in_flight as usize
            && let Some(call) = running.next().await
        {
            record(call);
        }
        if number > 1 {
            tokio::time::sleep(plan.every).await;
        }
        let Some(index) = balancer.pick() else {
            // gRPC's answer when no server is READY: fail fast.
            let status = none_serving(balancer);
            record(Call {
                number,
                sent_to: None,
                outcome: Err(status),
            });
            continue;
        };
        let sent_to = balancer.addr(index).to_owned();
        let call = balancer.call(index, plan.pid, plan.timeout);
        running.push(async move {
            Call {
                number,
                sent_to: Some(sent_to),
                outcome: call.await,
            }
        });
    }
    while let Some(call) = running.next().await {
        record(call);
    }
    tally
}
