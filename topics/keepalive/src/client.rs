//! The client: one long `say_hello_stream`, on a channel with HTTP/2
//! keepalive (or without), timing how long a dead connection takes to
//! notice.
//!
//! Keepalive is a setting of tonic's `Endpoint`, three values:
//!
//! - `http2_keep_alive_interval`: after this long without a frame from
//!   the server, send a PING (grpcio's `grpc.keepalive_time_ms`);
//! - `keep_alive_timeout`: if its answer has not come this long after,
//!   the connection is dead: close it, and fail its calls
//!   (`grpc.keepalive_timeout_ms`);
//! - `keep_alive_while_idle`: PING also when no call is open
//!   (`grpc.keepalive_permit_without_calls`). Without it, a connection
//!   that died while idle is found out only by the next call, which then
//!   waits for the PING's timeout first.
//!
//! The interval counts from the last frame *received*: a stream that
//! delivers a reply every 200 ms sends no PING at all while it flows. So
//! once a connection goes silent, the client knows within interval +
//! timeout of the last reply; without keepalive, only the call's deadline
//! ends the wait, and without a deadline nothing does.

use std::time::{Duration, Instant};

use clap::Parser;
use hello_proto::pb::{HelloStreamRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{Request, Status, transport::Endpoint};

use crate::TOPIC;

/// How long to wait for a TCP connection, as every client of ours does.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// hyper's own PING timeout, which tonic keeps unless told otherwise.
const DEFAULT_PING_TIMEOUT_MS: u64 = 20_000;

/// Flags of the keepalive client.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Calls say_hello_stream with or without HTTP/2 keepalive, and times how long a dead connection takes to notice"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms (for the whole stream), --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// How many replies to ask for
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub count: u32,

    /// The pause between replies the server is asked for
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub interval_ms: u32,

    /// PING the server after this long without a frame from it [default: no keepalive]
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_interval_ms: Option<u64>,

    /// With --keepalive-interval-ms: how long a PING may go unanswered before the connection is closed
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_PING_TIMEOUT_MS, requires = "keepalive_interval_ms", value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_timeout_ms: u64,

    /// With --keepalive-interval-ms: PING even when no call is open
    #[arg(long, requires = "keepalive_interval_ms")]
    pub while_idle: bool,

    /// First make a short call, then wait this long with no call open, then the long one: a connection that dies while idle
    #[arg(long, value_name = "MS")]
    pub idle_ms: Option<u64>,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ClientArgs::default(),
            count: 1000,
            interval_ms: 200,
            keepalive_interval_ms: None,
            keepalive_timeout_ms: DEFAULT_PING_TIMEOUT_MS,
            while_idle: false,
            idle_ms: None,
        }
    }
}

/// The keepalive settings of a channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keepalive {
    /// Time without a frame from the server before a PING.
    pub interval: Duration,
    /// Time a PING may go unanswered.
    pub timeout: Duration,
    /// Whether to PING with no call open.
    pub while_idle: bool,
}

impl Args {
    /// The keepalive the flags ask for, if any.
    pub fn keepalive(&self) -> Option<Keepalive> {
        self.keepalive_interval_ms.map(|ms| Keepalive {
            interval: Duration::from_millis(ms),
            timeout: Duration::from_millis(self.keepalive_timeout_ms),
            while_idle: self.while_idle,
        })
    }
}

/// How a watched stream ended, with its times counted from the call's start.
#[derive(Debug)]
pub struct Ending {
    /// Replies received.
    pub received: u32,
    /// When the last reply came (the call's start if none did).
    pub last_reply: Duration,
    /// When the call ended.
    pub at: Duration,
    /// `Ok` if the stream ended as it should; the status if not.
    pub outcome: Result<(), Status>,
}

impl Ending {
    /// How long the client heard nothing before the call ended: for a dead
    /// connection, how long it took to notice.
    pub fn silence(&self) -> Duration {
        self.at.saturating_sub(self.last_reply)
    }
}

/// The channel to the server, with `keepalive` if given, and the stub.
/// Every tonic call is here: `Endpoint`, its settings, `connect_lazy`.
pub async fn connect(args: &ClientArgs, keepalive: Option<Keepalive>) -> Result<Stub, ClientError> {
    // One server, one connection to watch: no registry, no balancing.
    let addrs = args.addrs(TOPIC);
    if args.registry().is_some() || addrs.len() != 1 {
        return Err(ClientError::Flag(
            "this client watches one connection: give one --addr (no --registry)".to_owned(),
        ));
    }
    let addr = &addrs[0];
    let mut endpoint = Endpoint::from_shared(client::uri(addr, args.speaks_tls(), args)?)?
        .connect_timeout(CONNECT_TIMEOUT);
    if let Some(keepalive) = keepalive {
        endpoint = endpoint
            .http2_keep_alive_interval(keepalive.interval)
            .keep_alive_timeout(keepalive.timeout)
            .keep_alive_while_idle(keepalive.while_idle);
    }
    if args.speaks_tls() {
        endpoint = endpoint.tls_config(client::tls_config(args)?)?;
    }
    // Lazy: dialled on the first call, and dialled again by the next call
    // after keepalive closed a dead connection.
    let channel = endpoint.connect_lazy();
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Runs the client as the `client` binary does: the stream, each reply
/// printed with its time, then how long the silence lasted before the end.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let keepalive = args.keepalive();
    let mut stub = connect(&args.common, keepalive).await?;
    println!("{}", describe(keepalive));
    let pid = args.common.pid();
    let timeout = args.common.timeout();

    if let Some(idle_ms) = args.idle_ms {
        // One short call opens the connection; then no call is open.
        let first = watch_stream(&mut stub, ask(pid, 1, 0), timeout, |_, _| {}).await;
        first.outcome?;
        println!("a first call: answered; now {idle_ms} ms with no call open");
        tokio::time::sleep(Duration::from_millis(idle_ms)).await;
    }

    let deadline = timeout.map_or("none".to_owned(), |t| format!("{} ms", t.as_millis()));
    println!(
        "say_hello_stream: {} replies, {} ms apart; deadline {deadline}",
        args.count, args.interval_ms
    );
    let request = ask(pid, args.count, args.interval_ms);
    let ending = watch_stream(&mut stub, request, timeout, |at, reply| {
        println!("{:>7} ms  {reply}", at.as_millis());
    })
    .await;
    let silence = ending.silence();
    match ending.outcome {
        Ok(()) => {
            println!("all {} replies received", ending.received);
            Ok(())
        }
        Err(status) => {
            let code = plumbing::code_name(status.code());
            let at = ending.at.as_millis();
            if ending.received == 0 {
                println!("the call ended at {at} ms with no reply: {code}");
            } else {
                let silence = silence.as_millis();
                println!("the call ended at {at} ms, {silence} ms after the last reply: {code}");
            }
            Err(ClientError::Call(status))
        }
    }
}

/// The request for `count` replies, `interval_ms` apart.
fn ask(pid: i32, count: u32, interval_ms: u32) -> HelloStreamRequest {
    HelloStreamRequest {
        pid,
        count,
        interval_ms,
    }
}

/// One line for the settings: what this run will notice, and when.
pub fn describe(keepalive: Option<Keepalive>) -> String {
    let Some(keepalive) = keepalive else {
        return "keepalive: off; a silent connection ends a call only at its deadline".to_owned();
    };
    let when = if keepalive.while_idle {
        "also with no call open"
    } else {
        "only while a call is open"
    };
    format!(
        "keepalive: a PING after {} ms without a frame from the server, {} ms for its answer, {when}",
        keepalive.interval.as_millis(),
        keepalive.timeout.as_millis(),
    )
}

/// Calls `say_hello_stream` and reads the replies until the stream ends,
/// fails, or `timeout` (the whole call's deadline) passes; hands each reply
/// to `on_reply` with its time. Never fails itself: how the call ended is
/// the [`Ending`]'s `outcome`.
pub async fn watch_stream(
    stub: &mut Stub,
    message: HelloStreamRequest,
    timeout: Option<Duration>,
    mut on_reply: impl FnMut(Duration, &str),
) -> Ending {
    let started = Instant::now();
    let mut ending = Ending {
        received: 0,
        last_reply: Duration::ZERO,
        at: Duration::ZERO,
        outcome: Ok(()),
    };
    let mut request = Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let call = async {
        let mut replies = stub.say_hello_stream(request).await?.into_inner();
        // `message()` waits for the next reply: `None` at the stream's
        // end, an error if the call failed, and, on a dead connection
        // without keepalive, for ever.
        while let Some(reply) = replies.message().await? {
            ending.received += 1;
            ending.last_reply = started.elapsed();
            on_reply(ending.last_reply, &reply.retval);
        }
        Ok(())
    };
    // tonic's own timer stops once the reply's headers are in; the server's
    // DEADLINE_EXCEEDED cannot cross a dead connection: the deadline of a
    // stream is ours to keep (`within_deadline`, as the streaming lessons).
    let outcome = client::within_deadline(timeout, call).await;
    ending.at = started.elapsed();
    ending.outcome = outcome;
    ending
}
