//! The client: what overload looks like from the calling side, in two
//! experiments.
//!
//! **A burst** (`--burst N`): N `say_hello` calls at once on one channel,
//! so on one connection, each timed. Against a server with
//! `--max-calls-per-connection 1 --delay-ms 500` they come back one after
//! the other, 500 ms apart: the limit made them wait. Add `--load-shed`
//! and all but one come back at once with RESOURCE_EXHAUSTED.
//!
//! **Amplification** (the default): `--calls` calls wanted, against a
//! server failing 90% of its attempts, three times over:
//!
//! 1. with no retries: one attempt per call;
//! 2. with the retries topic's A6 policy (`--max-attempts`): each failed
//!    attempt is sent again, up to 5 in all, so the server that is already
//!    failing gets about four times the load;
//! 3. the same policy plus A6's retry throttling (`--max-tokens`,
//!    `--token-ratio`): the retries stop once half the tokens are spent.
//!
//! The loop is the retries topic's `call_with_retries`, unchanged: this
//! topic measures it. Attempts are counted twice: by the client, from the
//! loop's events, and by the server, read before and after each round from
//! `say_hello_again`'s `say-hello-attempts` header. The server's count is
//! the one printed: it is what the server had to carry.

use std::time::{Duration, Instant};

use clap::Parser;
use futures::future::join_all;
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
    code_name,
};
use retries::{
    client::call_with_retries,
    policy::{Jitter, MAX_ATTEMPTS_CAP, RetryPolicy},
    throttle::{MAX_TOKENS_CAP, Throttle},
};
use tonic::{Code, Request};

use crate::{TOPIC, server::ATTEMPTS_HEADER};

/// The first retry waits below this, then 2, 4 ms: short, so that a
/// thousand calls take seconds. The count of attempts does not depend on
/// the waits: the calls go one after the other, and the server's failures
/// come from its seeded draw, not from the clock.
const INITIAL_BACKOFF: Duration = Duration::from_millis(1);

/// No wait between two attempts grows beyond this.
const MAX_BACKOFF: Duration = Duration::from_millis(4);

/// Flags of the overload client.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Measures the amplification of retries (attempts per call wanted) without and with A6's retry throttling; or sends a burst of calls on one connection"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms (per call, for all its attempts), --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Calls wanted in each of the three rounds
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub calls: u32,

    /// Attempts per call in the rounds with retries: maxAttempts (at most 5)
    #[arg(long, value_name = "N", default_value_t = MAX_ATTEMPTS_CAP, value_parser = clap::value_parser!(u32).range(2..=i64::from(MAX_ATTEMPTS_CAP)))]
    pub max_attempts: u32,

    /// The throttle's bucket: retryThrottling's maxTokens (1 to 1000)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_TOKENS_CAP)))]
    pub max_tokens: u32,

    /// What each success gives back: retryThrottling's tokenRatio (at least 0.001)
    #[arg(long, value_name = "X", default_value_t = 0.1, value_parser = parse_ratio)]
    pub token_ratio: f64,

    /// Instead: send N calls at once on one connection, and time each
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub burst: Option<u32>,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ClientArgs::default(),
            calls: 1000,
            max_attempts: MAX_ATTEMPTS_CAP,
            max_tokens: 10,
            token_ratio: 0.1,
            burst: None,
        }
    }
}

/// `--token-ratio`: a number of at least 0.001, as A6 requires.
fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.001 => Ok(x),
        _ => Err(format!(
            "expected a number of at least 0.001, e.g. 0.1, got {text:?}"
        )),
    }
}

/// One round of the amplification experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// One attempt per call.
    NoRetries,
    /// The retry policy.
    Retries,
    /// The retry policy and a fresh throttle for the round.
    Throttled,
}

/// What one round measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Calls wanted.
    pub calls: u32,
    /// Calls that ended with a reply.
    pub succeeded: u32,
    /// Attempts the client sent, from the loop's events.
    pub sent: u64,
    /// Attempts that reached the server, by its own count.
    pub arrived: u64,
}

impl Measured {
    /// The amplification: attempts that reached the server per call wanted.
    pub fn per_call(&self) -> f64 {
        self.arrived as f64 / f64::from(self.calls)
    }
}

/// The channel and the stub, as in the unary lesson: one channel, so one
/// connection, for all calls.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Runs the client as the `client` binary does.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    if let Some(n) = args.burst {
        return burst(&stub, args, n).await;
    }
    println!(
        "{} calls wanted in each round; retries: up to {} attempts, backoff {}..{} ms; throttling: maxTokens {}, tokenRatio {}",
        args.calls,
        args.max_attempts,
        INITIAL_BACKOFF.as_millis(),
        MAX_BACKOFF.as_millis(),
        args.max_tokens,
        args.token_ratio
    );
    let mut jitter = Jitter::from_clock();
    for (round, name) in [
        (Round::NoRetries, "no retries:          "),
        (Round::Retries, "retries:             "),
        (Round::Throttled, "retries + throttling:"),
    ] {
        let measured = measure(&mut stub, args, round, &mut jitter).await?;
        println!(
            "{name} {} attempts reached the server for {} calls: {:.3} per call; {} succeeded",
            measured.arrived,
            measured.calls,
            measured.per_call(),
            measured.succeeded,
        );
        if measured.sent != measured.arrived {
            println!(
                "  (the client sent {}: some did not reach the handler)",
                measured.sent
            );
        }
        if round == Round::Throttled {
            println!(
                "  A6's bound: at most calls + maxTokens / 2 + tokenRatio x successes = {:.1} attempts",
                a6_bound(args, &measured)
            );
        }
    }
    Ok(())
}

/// The most attempts a throttled round may make: every call once, plus
/// the retries, which need the tokens above `maxTokens / 2`: the half of
/// the bucket spent, and whatever the successful attempts gave back
/// (counted generously: every success of the round gave back).
pub fn a6_bound(args: &Args, measured: &Measured) -> f64 {
    f64::from(measured.calls)
        + f64::from(args.max_tokens) / 2.0
        + args.token_ratio * f64::from(measured.succeeded)
}

/// Makes `args.calls` calls, one after the other, in the way `round` says,
/// and counts the attempts on both sides.
pub async fn measure(
    stub: &mut Stub,
    args: &Args,
    round: Round,
    jitter: &mut Jitter,
) -> Result<Measured, ClientError> {
    let policy = RetryPolicy {
        max_attempts: if round == Round::NoRetries {
            1
        } else {
            args.max_attempts
        },
        initial_backoff: INITIAL_BACKOFF,
        max_backoff: MAX_BACKOFF,
        multiplier: 2.0,
        retryable: vec![Code::Unavailable],
    };
    // One throttle for the whole round, as a channel has one for all its
    // calls: what one call spends, the next one lacks.
    let mut throttle = if round == Round::Throttled {
        let throttle = Throttle::new(args.max_tokens, args.token_ratio);
        Some(throttle.ok_or_else(|| {
            ClientError::Flag(format!(
                "--token-ratio {} is beyond what a bucket of thousandths can count",
                args.token_ratio
            ))
        })?)
    } else {
        None
    };
    let message = HelloRequest {
        pid: args.common.pid(),
    };
    let before = attempts_seen(stub, &message).await?;
    let (mut sent, mut succeeded) = (0, 0);
    for _ in 0..args.calls {
        let outcome = call_with_retries(
            stub,
            &message,
            &policy,
            args.common.timeout(),
            jitter,
            throttle.as_mut(),
            |_attempt_ended| sent += 1,
        )
        .await;
        match outcome {
            Ok(_) => succeeded += 1,
            // The server's failures are the experiment. (A server gone
            // away fails with UNAVAILABLE too: the count read below then
            // fails, and ends the round.) Anything else ends it at once.
            Err(status) if status.code() == Code::Unavailable => {}
            Err(status) => return Err(status.into()),
        }
    }
    let after = attempts_seen(stub, &message).await?;
    Ok(Measured {
        calls: args.calls,
        succeeded,
        sent,
        arrived: after - before,
    })
}

/// The server's count of `say_hello` attempts, from `say_hello_again`.
async fn attempts_seen(stub: &mut Stub, message: &HelloRequest) -> Result<u64, ClientError> {
    let response = stub.say_hello_again(Request::new(*message)).await?;
    let count = response.metadata().get(ATTEMPTS_HEADER);
    count
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .ok_or_else(|| {
            ClientError::Flag(format!(
                "the server's reply has no {ATTEMPTS_HEADER} header: is --addr the overload server (cargo run -p overload --bin server)?"
            ))
        })
}

/// Sends `n` calls at once on the one connection of `stub` and prints
/// each one's outcome and time, then what a retrying client does with
/// each code it got.
async fn burst(stub: &Stub, args: &Args, n: u32) -> Result<(), ClientError> {
    let started = Instant::now();
    let calls = (1..=n).map(|i| {
        let mut stub = stub.clone();
        let mut request = Request::new(HelloRequest {
            pid: args.common.pid(),
        });
        if let Some(timeout) = args.common.timeout() {
            request.set_timeout(timeout);
        }
        async move {
            let outcome = stub.say_hello(request).await;
            (i, outcome, started.elapsed())
        }
    });
    // In the order they came back, which is the story: who waited, who
    // was refused at once.
    let mut outcomes = join_all(calls).await;
    outcomes.sort_by_key(|(_, _, after)| *after);
    let (mut codes, mut last_failure, mut succeeded) = (Vec::new(), None, 0);
    for (i, outcome, after) in outcomes {
        let ms = after.as_millis();
        match outcome {
            Ok(reply) => {
                println!("call {i}: OK after {ms} ms: {}", reply.into_inner().retval);
                succeeded += 1;
            }
            Err(status) => {
                println!(
                    "call {i}: {} after {ms} ms: {}",
                    code_name(status.code()),
                    status.message()
                );
                codes.push(status.code());
                last_failure = Some(status);
            }
        }
    }
    codes.sort_by_key(|code| i32::from(*code));
    codes.dedup();
    for code in codes {
        println!("{}", advice(code));
    }
    // Refusals beside a success are the lesson; no success at all (no
    // server, say) is a failed run, explained in one line.
    match last_failure {
        Some(status) if succeeded == 0 => Err(status.into()),
        _ => Ok(()),
    }
}

/// Whether a client should retry a call that failed with `code`, and why:
/// gRPC's status code guide, and A6's default of retrying UNAVAILABLE only.
pub fn advice(code: Code) -> String {
    let name = code_name(code);
    match code {
        Code::ResourceExhausted => format!(
            "{name}: the server is up but out of capacity; an immediate retry adds to the overload: retry only after a backoff or the server's pushback (the retries client leaves it alone unless --retry-on {name})"
        ),
        Code::Unavailable => format!(
            "{name}: the server did not take the call (down, restarting, going away): safe to retry, with backoff (the retries client does, by default)"
        ),
        _ => format!("{name}: not a sign of overload; see the errors topic"),
    }
}
