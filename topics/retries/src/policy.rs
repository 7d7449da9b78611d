//! The retry policy of gRFC A6, as plain data and small pure functions, so
//! that every rule can be tested without a network.
//!
//! A6 puts the policy in the *service config*, the JSON a grpcio channel
//! takes as `grpc.service_config`:
//!
//! ```json
//! "retryPolicy": {
//!   "maxAttempts": 4,
//!   "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
//!   "retryableStatusCodes": ["UNAVAILABLE"]
//! }
//! ```
//!
//! [`RetryPolicy`] holds the same five fields. After a failed attempt,
//! [`RetryPolicy::after_failure`] says what comes next ([`Next`]): another
//! attempt after a wait, or a stop, and why. The wait is the [`Backoff`]'s,
//! unless the server asked for one of its own ([`Pushback`]). The
//! randomness is a parameter (`fraction`), so a test can fix it; the
//! client draws it from [`Jitter`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plumbing::code_name;
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

/// A6's client-side cap on `maxAttempts`: a service config may ask for
/// more, but a client makes at most this many attempts (retries and hedges
/// alike), so that a config pushed by DNS cannot make it hammer a server.
pub const MAX_ATTEMPTS_CAP: u32 = 5;

/// The metadata key of A6's server pushback: milliseconds to wait before
/// the next attempt, or a negative (or unreadable) value for "do not retry".
pub const PUSHBACK_KEY: &str = "grpc-retry-pushback-ms";

/// When to retry a call, and how long to wait in between: a service
/// config's `retryPolicy`, field for field.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// `maxAttempts`: attempts in all, the first one included.
    pub max_attempts: u32,
    /// `initialBackoff`: the first wait is random, below this.
    pub initial_backoff: Duration,
    /// `maxBackoff`: no wait grows beyond this.
    pub max_backoff: Duration,
    /// `backoffMultiplier`: how much the limit of the wait grows each time.
    pub multiplier: f64,
    /// `retryableStatusCodes`: the failures worth another attempt (for
    /// hedging, A6's `nonFatalStatusCodes`: those that let the others go on).
    pub retryable: Vec<Code>,
}

/// What a client does after an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Another attempt, after this wait, for this reason.
    RetryAfter(Duration, Wait),
    /// No more attempts: the call ends with this attempt's status (or, for
    /// hedging, with the copies still running).
    Stop(Stop),
}

/// Where a wait before the next attempt comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The exponential backoff: random, below `limit`.
    Backoff {
        /// The limit the random wait was drawn below.
        limit: Duration,
    },
    /// The server asked for this wait (pushback).
    Pushback,
    /// Hedging: a non-fatal failure sends the next copy at once.
    AtOnce,
}

/// Why there is no next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The code is not one of the policy's retryable codes: a retry would
    /// fail again (INVALID_ARGUMENT) or could do harm.
    NotRetryable(Code),
    /// All `max_attempts` attempts are made.
    NoAttemptsLeft(u32),
    /// The server's pushback said not to retry.
    ServerSaysStop,
    /// The call's deadline passes before the wait would end.
    DeadlineFirst(Duration),
    /// The client's retry throttle (A6's `retryThrottling`) has too few
    /// tokens left: too many of its attempts failed lately.
    Throttled,
}

impl RetryPolicy {
    /// Whether a failure with `code` may be retried.
    pub fn is_retryable(&self, code: Code) -> bool {
        self.retryable.contains(&code)
    }

    /// What comes after attempt number `attempt` (counted from 1) failed
    /// with `status`: the rules of A6, in the order A6 applies them.
    /// `fraction`, in [0, 1), picks the wait within the backoff's limit.
    pub fn after_failure(
        &self,
        status: &Status,
        attempt: u32,
        backoff: &mut Backoff,
        fraction: f64,
    ) -> Next {
        if !self.is_retryable(status.code()) {
            return Next::Stop(Stop::NotRetryable(status.code()));
        }
        let pushback = Pushback::of(status);
        if pushback == Pushback::DoNotRetry {
            return Next::Stop(Stop::ServerSaysStop);
        }
        // Even a server that says "retry in 10 ms" gets no attempt beyond the
        // policy's last.
        if attempt >= self.max_attempts {
            return Next::Stop(Stop::NoAttemptsLeft(self.max_attempts));
        }
        match pushback {
            // The server knows best when it can take the call again; and the
            // backoff starts over: if this attempt fails too, the next wait
            // is random below `initial_backoff` again.
            Pushback::RetryAfter(wait) => {
                backoff.reset();
                Next::RetryAfter(wait, Wait::Pushback)
            }
            _ => {
                let limit = backoff.limit();
                Next::RetryAfter(backoff.next_wait(fraction), Wait::Backoff { limit })
            }
        }
    }

    /// What comes after a hedged copy failed with `status` while `sent`
    /// copies have been sent: a fatal code ends the call; a non-fatal one
    /// sends the next copy at once (or after the server's pushback), if
    /// any is left to send.
    pub fn after_hedge_failure(&self, status: &Status, sent: u32) -> Next {
        if !self.is_retryable(status.code()) {
            return Next::Stop(Stop::NotRetryable(status.code()));
        }
        match Pushback::of(status) {
            Pushback::DoNotRetry => Next::Stop(Stop::ServerSaysStop),
            _ if sent >= self.max_attempts => Next::Stop(Stop::NoAttemptsLeft(self.max_attempts)),
            Pushback::RetryAfter(wait) => Next::RetryAfter(wait, Wait::Pushback),
            Pushback::None => Next::RetryAfter(Duration::ZERO, Wait::AtOnce),
        }
    }
}

/// A6's exponential backoff: the n-th retry waits a random time below
/// `min(initial_backoff * multiplier^(n-1), max_backoff)`.
///
/// Why random, and from zero ("full jitter")? Clients that failed together
/// (a server restarted under them) would otherwise all retry together, in
/// waves, exactly when the server is weakest. Spread over the whole
/// interval, their retries arrive as a trickle.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// The limit of the next wait.
    limit: Duration,
    /// Where `limit` starts, and starts again after a pushback.
    initial: Duration,
    /// Where `limit` stops growing.
    max: Duration,
    /// How much `limit` grows after each wait.
    multiplier: f64,
}

impl Backoff {
    /// The backoff of `policy`, before its first wait.
    pub fn new(policy: &RetryPolicy) -> Self {
        Self {
            limit: policy.initial_backoff.min(policy.max_backoff),
            initial: policy.initial_backoff,
            max: policy.max_backoff,
            multiplier: policy.multiplier,
        }
    }

    /// The limit the next wait will be drawn below.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The next wait: `fraction` (in [0, 1)) of the current limit; then the
    /// limit grows by the multiplier, up to the maximum.
    pub fn next_wait(&mut self, fraction: f64) -> Duration {
        let wait = self.limit.mul_f64(fraction.clamp(0.0, 1.0));
        // `try_from_secs_f64` rather than `mul_f64`: a huge multiplier must
        // give the maximum, not a panic.
        let grown = Duration::try_from_secs_f64(self.limit.as_secs_f64() * self.multiplier);
        self.limit = grown.unwrap_or(self.max).min(self.max);
        wait
    }

    /// Starts over from the initial backoff (after a server's pushback).
    pub fn reset(&mut self) {
        self.limit = self.initial.min(self.max);
    }
}

/// What a failed attempt's server said about retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushback {
    /// Nothing: the client's own backoff decides.
    None,
    /// Retry after this long, instead of the backoff.
    RetryAfter(Duration),
    /// Do not retry this call at all.
    DoNotRetry,
}

impl Pushback {
    /// Reads the server's wish from a failed attempt's status, in either
    /// of the two forms servers use:
    ///
    /// - A6's `grpc-retry-pushback-ms` trailer: a whole number of
    ///   milliseconds; negative or unreadable means "do not retry". gRPC's
    ///   own libraries (grpcio included) honour it.
    /// - a `google.rpc.RetryInfo` in the status details (the richer error
    ///   model, the `grpc-status-details-bin` trailer): its `retry_delay`.
    ///
    /// The trailer wins when both are present: it is the one A6 defines.
    pub fn of(status: &Status) -> Pushback {
        if let Some(value) = status.metadata().get(PUSHBACK_KEY) {
            let millis = value
                .to_str()
                .ok()
                .and_then(|text| text.parse::<i32>().ok());
            return match millis.and_then(|ms| u64::try_from(ms).ok()) {
                Some(ms) => Pushback::RetryAfter(Duration::from_millis(ms)),
                None => Pushback::DoNotRetry,
            };
        }
        match status.get_details_retry_info() {
            Some(info) => Pushback::RetryAfter(info.retry_delay.unwrap_or_default()),
            None => Pushback::None,
        }
    }
}

/// A small random number generator for the backoff's jitter: xorshift64*
/// (Marsaglia's xorshift, its output multiplied by a constant to mix the
/// bits), seeded from the clock.
///
/// Jitter needs no cryptographic quality, only values that differ from one
/// client to the next, so a dozen lines do instead of a crate; a test
/// seeds it to get the same sequence every time.
#[derive(Debug, Clone)]
pub struct Jitter {
    /// The generator's state; xorshift never leaves zero, so it is never zero.
    state: u64,
}

impl Jitter {
    /// A generator seeded with `seed` (zero is replaced: see `state`).
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// A generator seeded from the clock's nanoseconds and the process id,
    /// so two clients started together still differ.
    pub fn from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        // Keep the low 64 bits, the ones that change fastest.
        let seed = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32);
        Self::seeded(seed)
    }

    /// The next number, uniform in [0, 1).
    pub fn fraction(&mut self) -> f64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        let mixed = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // The top 53 bits, the precision of an f64, over 2^53.
        (mixed >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// Reads a status code by its canonical name (`UNAVAILABLE`,
/// `resource_exhausted`: any case) or its number (`14`), as a service
/// config's `retryableStatusCodes` may.
pub fn parse_code(text: &str) -> Result<Code, String> {
    let all = (0..=16).map(Code::from_i32);
    let named = all
        .clone()
        .find(|code| code_name(*code).eq_ignore_ascii_case(text.trim()));
    let numbered = text
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (0..=16).contains(n));
    match (named, numbered) {
        (Some(code), _) => Ok(code),
        (None, Some(n)) => Ok(Code::from_i32(n)),
        (None, None) => Err(format!(
            "not a gRPC status code: {text:?}; one of {}",
            all.map(code_name).collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use tonic::metadata::MetadataMap;
    use tonic_types::ErrorDetails;

    use super::*;

    /// The service config of the README (and of the Python counterpart).
    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            multiplier: 2.0,
            retryable: vec![Code::Unavailable],
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A status carrying `grpc-retry-pushback-ms: value`.
    fn with_pushback(value: &str) -> Status {
        let mut metadata = MetadataMap::new();
        metadata.insert(PUSHBACK_KEY, value.parse().unwrap());
        Status::with_metadata(Code::Unavailable, "busy", metadata)
    }

    #[test]
    fn the_limit_doubles_up_to_the_maximum_and_the_wait_is_the_fraction_of_it() {
        let mut backoff = Backoff::new(&policy(5));
        let limits: Vec<_> = (0..6)
            .map(|_| {
                let limit = backoff.limit();
                assert_eq!(backoff.next_wait(0.5), limit / 2);
                limit
            })
            .collect();
        assert_eq!(
            limits,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
    }

    #[test]
    fn retries_wait_random_times_below_the_limits_until_the_attempts_run_out() {
        let policy = policy(4);
        let mut backoff = Backoff::new(&policy);
        let mut jitter = Jitter::seeded(42);
        let failed = Status::unavailable("down");
        let mut waits = Vec::new();
        for attempt in 1..=4 {
            match policy.after_failure(&failed, attempt, &mut backoff, jitter.fraction()) {
                Next::RetryAfter(wait, Wait::Backoff { limit }) => {
                    assert!(wait < limit, "{wait:?} not below {limit:?}");
                    waits.push((wait, limit));
                }
                Next::Stop(stop) => {
                    assert_eq!(stop, Stop::NoAttemptsLeft(4));
                    assert_eq!(attempt, 4);
                }
                other => panic!("{other:?}"),
            }
        }
        let limits: Vec<_> = waits.iter().map(|(_, limit)| *limit).collect();
        assert_eq!(limits, [ms(100), ms(200), ms(400)]);
        // Random: the three waits are not the same fraction of their limits.
        let fractions: Vec<_> = waits
            .iter()
            .map(|(wait, limit)| wait.as_secs_f64() / limit.as_secs_f64())
            .collect();
        assert!(fractions[0] != fractions[1] && fractions[1] != fractions[2]);
    }

    #[test]
    fn a_code_outside_the_retryable_ones_is_never_retried() {
        let policy = policy(5);
        let mut backoff = Backoff::new(&policy);
        for status in [
            Status::invalid_argument("bad pid"),
            Status::permission_denied("no"),
            // Not even when the server offers a retry.
            Status::with_metadata(
                Code::Internal,
                "oops",
                with_pushback("10").metadata().clone(),
            ),
        ] {
            let code = status.code();
            assert_eq!(
                policy.after_failure(&status, 1, &mut backoff, 0.5),
                Next::Stop(Stop::NotRetryable(code))
            );
        }
    }

    #[test]
    fn a_pushback_replaces_the_backoff_and_starts_it_over() {
        let policy = policy(5);
        let mut backoff = Backoff::new(&policy);
        let failed = Status::unavailable("down");
        policy.after_failure(&failed, 1, &mut backoff, 0.5);
        policy.after_failure(&failed, 2, &mut backoff, 0.5);
        assert_eq!(backoff.limit(), ms(400));

        let next = policy.after_failure(&with_pushback("250"), 3, &mut backoff, 0.5);
        assert_eq!(next, Next::RetryAfter(ms(250), Wait::Pushback));
        assert_eq!(backoff.limit(), ms(100), "the backoff did not start over");
    }

    #[test]
    fn a_negative_or_unreadable_pushback_means_do_not_retry() {
        let policy = policy(5);
        let mut backoff = Backoff::new(&policy);
        for value in ["-1", "soon", "99999999999"] {
            assert_eq!(Pushback::of(&with_pushback(value)), Pushback::DoNotRetry);
            let next = policy.after_failure(&with_pushback(value), 1, &mut backoff, 0.5);
            assert_eq!(next, Next::Stop(Stop::ServerSaysStop), "{value}");
        }
    }

    #[test]
    fn a_pushback_never_adds_an_attempt_beyond_the_last() {
        let policy = policy(2);
        let mut backoff = Backoff::new(&policy);
        let next = policy.after_failure(&with_pushback("10"), 2, &mut backoff, 0.5);
        assert_eq!(next, Next::Stop(Stop::NoAttemptsLeft(2)));
    }

    #[test]
    fn retry_info_in_the_details_is_a_pushback_too_and_the_trailer_wins() {
        let details = ErrorDetails::with_retry_info(Some(ms(300)));
        let status = Status::with_error_details(Code::Unavailable, "busy", details.clone());
        assert_eq!(Pushback::of(&status), Pushback::RetryAfter(ms(300)));

        let both = Status::with_error_details_and_metadata(
            Code::Unavailable,
            "busy",
            details,
            with_pushback("20").metadata().clone(),
        );
        assert_eq!(Pushback::of(&both), Pushback::RetryAfter(ms(20)));
        assert_eq!(Pushback::of(&Status::unavailable("down")), Pushback::None);
    }

    #[test]
    fn hedging_sends_the_next_copy_at_once_after_a_non_fatal_failure() {
        let policy = policy(3);
        let unavailable = Status::unavailable("down");
        assert_eq!(
            policy.after_hedge_failure(&unavailable, 1),
            Next::RetryAfter(Duration::ZERO, Wait::AtOnce)
        );
        assert_eq!(
            policy.after_hedge_failure(&with_pushback("70"), 2),
            Next::RetryAfter(ms(70), Wait::Pushback)
        );
        assert_eq!(
            policy.after_hedge_failure(&unavailable, 3),
            Next::Stop(Stop::NoAttemptsLeft(3))
        );
        assert_eq!(
            policy.after_hedge_failure(&Status::invalid_argument("bad"), 1),
            Next::Stop(Stop::NotRetryable(Code::InvalidArgument))
        );
    }

    #[test]
    fn jitter_is_uniform_enough_and_the_same_for_the_same_seed() {
        let mut jitter = Jitter::seeded(7);
        let draws: Vec<f64> = (0..10_000).map(|_| jitter.fraction()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        let below_a_tenth = draws.iter().filter(|x| **x < 0.1).count();
        assert!((800..1200).contains(&below_a_tenth), "{below_a_tenth}");

        let mut again = Jitter::seeded(7);
        assert_eq!(again.fraction(), draws[0]);
        assert_ne!(Jitter::seeded(8).fraction(), draws[0]);
        assert!((0.0..1.0).contains(&Jitter::seeded(0).fraction()));
    }

    #[test]
    fn codes_are_read_by_name_or_number() {
        assert_eq!(parse_code("UNAVAILABLE"), Ok(Code::Unavailable));
        assert_eq!(
            parse_code("resource_exhausted"),
            Ok(Code::ResourceExhausted)
        );
        assert_eq!(parse_code("3"), Ok(Code::InvalidArgument));
        let error = parse_code("Unavailabel").unwrap_err();
        assert!(
            error.contains("UNAVAILABLE") && error.contains("DATA_LOSS"),
            "{error}"
        );
        assert!(parse_code("17").is_err());
    }
}
