//! Retry throttling, as gRFC A6 specifies it: a token bucket, one per
//! client (per channel; grpcio keeps one per server name), that stops the
//! retries when too many calls fail.
//!
//! Why? A retry policy alone multiplies a server's load exactly when it is
//! weakest: against a server failing every call, each call becomes
//! `maxAttempts` attempts. A6's answer, written in the service config:
//!
//! ```json
//! "retryThrottling": { "maxTokens": 10, "tokenRatio": 0.1 }
//! ```
//!
//! - the count of tokens starts at `maxTokens` and stays in `[0, maxTokens]`;
//! - every failed attempt (its code retryable) takes 1 token;
//! - every successful attempt gives back `tokenRatio` tokens;
//! - a retry is allowed only while the count is **above** `maxTokens / 2`.
//!   The first attempt of a call is always sent: throttling limits retries,
//!   never calls.
//!
//! So with `tokenRatio` 0.1, a client keeps retrying while fewer than about
//! one attempt in eleven fails; beyond that, the count sinks to the
//! threshold and the client sends each call once, as if it had no retry
//! policy, until enough successes lift the count again.
//!
//! [`Throttle`] is plain data and arithmetic, tested below without a
//! network; the retry loop ([`crate::client::call_with_retries`]) records
//! each attempt's outcome and asks [`Throttle::allows_retry`] before a retry.

use tonic::Code;

/// A6's limits on the service config's values: `maxTokens` in (0, 1000],
/// `tokenRatio` above 0, with up to 3 decimal places (gRPC's libraries count
/// in thousandths of a token, and so do we: no rounding drift).
pub const MAX_TOKENS_CAP: u32 = 1000;

/// Thousandths of a token: the unit the count is kept in.
const MILLI: u32 = 1000;

/// A6's token bucket for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// `maxTokens`, in thousandths.
    max: u32,
    /// `tokenRatio`, in thousandths: what a success gives back.
    ratio: u32,
    /// The count now, in thousandths, in `[0, max]`.
    tokens: u32,
}

impl Throttle {
    /// A full bucket: `max_tokens` (1 to 1000) tokens, `token_ratio` (above
    /// 0, 3 decimals kept) given back per success. `None` for values A6
    /// refuses, so that a bad flag is a message, not a silent default.
    pub fn new(max_tokens: u32, token_ratio: f64) -> Option<Self> {
        let ratio = (token_ratio * f64::from(MILLI)).round();
        let fits = (1..=MAX_TOKENS_CAP).contains(&max_tokens)
            && ratio.is_finite()
            && (1.0..=f64::from(u32::MAX / 2)).contains(&ratio);
        fits.then(|| Self {
            max: max_tokens * MILLI,
            // In range just above (and below half of u32::MAX, so that the
            // count plus a ratio cannot overflow): the cast neither
            // truncates nor wraps.
            ratio: ratio as u32,
            tokens: max_tokens * MILLI,
        })
    }

    /// Whether a retry may be sent now: the count is above `maxTokens / 2`.
    pub fn allows_retry(&self) -> bool {
        self.tokens > self.max / 2
    }

    /// Records an attempt's outcome: `Code::Ok` gives back `tokenRatio`; a
    /// code in `retryable` (the policy's `retryableStatusCodes`) takes 1
    /// token. Any other code leaves the count alone: a refused argument
    /// says nothing about the server's health (grpc core does the same).
    pub fn record(&mut self, code: Code, retryable: &[Code]) {
        if code == Code::Ok {
            self.tokens = (self.tokens + self.ratio).min(self.max);
        } else if retryable.contains(&code) {
            self.tokens = self.tokens.saturating_sub(MILLI);
        }
    }

    /// The count now, in tokens (for messages and tests).
    pub fn tokens(&self) -> f64 {
        f64::from(self.tokens) / f64::from(MILLI)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRYABLE: &[Code] = &[Code::Unavailable];

    #[test]
    fn a_full_bucket_allows_retries_until_half_of_it_is_spent() {
        let mut throttle = Throttle::new(10, 0.1).unwrap();
        assert_eq!(throttle.tokens(), 10.0);
        let mut allowed = 0;
        while throttle.allows_retry() {
            throttle.record(Code::Unavailable, RETRYABLE);
            allowed += 1;
        }
        // 10 -> 9 -> ... -> 5: five failures, and 5 is not above 10 / 2.
        assert_eq!(allowed, 5);
        assert_eq!(throttle.tokens(), 5.0);
    }

    #[test]
    fn successes_lift_the_count_by_the_ratio_and_reopen_the_retries() {
        let mut throttle = Throttle::new(10, 0.1).unwrap();
        for _ in 0..5 {
            throttle.record(Code::Unavailable, RETRYABLE);
        }
        assert!(!throttle.allows_retry());
        // One success: 5.1, above the threshold again.
        throttle.record(Code::Ok, RETRYABLE);
        assert_eq!(throttle.tokens(), 5.1);
        assert!(throttle.allows_retry());
    }

    #[test]
    fn the_count_stays_between_zero_and_max_tokens() {
        let mut throttle = Throttle::new(3, 0.5).unwrap();
        for _ in 0..10 {
            throttle.record(Code::Ok, RETRYABLE);
        }
        assert_eq!(throttle.tokens(), 3.0);
        for _ in 0..10 {
            throttle.record(Code::Unavailable, RETRYABLE);
        }
        assert_eq!(throttle.tokens(), 0.0);
        throttle.record(Code::Ok, RETRYABLE);
        assert_eq!(throttle.tokens(), 0.5);
    }

    #[test]
    fn only_retryable_failures_take_tokens() {
        let mut throttle = Throttle::new(10, 0.1).unwrap();
        throttle.record(Code::InvalidArgument, RETRYABLE);
        throttle.record(Code::ResourceExhausted, RETRYABLE);
        assert_eq!(throttle.tokens(), 10.0);
        throttle.record(Code::ResourceExhausted, &[Code::ResourceExhausted]);
        assert_eq!(throttle.tokens(), 9.0);
    }

    #[test]
    fn ratios_keep_three_decimals_and_a6s_limits_are_enforced() {
        // 1000 successes of 0.001 after 1 failure: exactly back to full,
        // where adding f64 tenths would drift.
        let mut throttle = Throttle::new(10, 0.001).unwrap();
        throttle.record(Code::Unavailable, RETRYABLE);
        for _ in 0..1000 {
            throttle.record(Code::Ok, RETRYABLE);
        }
        assert_eq!(throttle.tokens(), 10.0);

        assert!(Throttle::new(0, 0.1).is_none());
        assert!(Throttle::new(1001, 0.1).is_none());
        assert!(Throttle::new(10, 0.0).is_none());
        assert!(
            Throttle::new(10, 0.0004).is_none(),
            "rounds to 0 thousandths"
        );
        assert!(Throttle::new(10, f64::NAN).is_none());
        assert!(Throttle::new(10, -1.0).is_none());
        assert!(Throttle::new(1000, 1000.0).is_some());
    }
}
