//! `--max-calls-per-second N`: at most N calls in any window of one second,
//! shared by every caller.
//!
//! The simplest limit there is: a window opens, admits N calls, and closes
//! one second after it opened; the next call after that opens a new one. A
//! call refused inside a window learns exactly when the window closes, and
//! that is what the server puts in `RetryInfo`: come back then, not sooner.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// How long one window lasts: the "per second" of `--max-calls-per-second`.
pub const WINDOW: Duration = Duration::from_secs(1);

/// A limit of `max` calls per [`WINDOW`], shared by all the calls of a server.
#[derive(Debug)]
pub struct RateLimit {
    /// How many calls one window admits.
    max: u32,
    /// The window now open. A `std::sync::Mutex` and not tokio's: nothing
    /// is awaited while it is held, only two numbers are read and written.
    window: Mutex<Window>,
}

/// The window now open: when it opened and how many calls it admitted.
#[derive(Debug)]
struct Window {
    /// When it opened; it closes [`WINDOW`] later.
    opened: Instant,
    /// How many calls it has admitted so far.
    calls: u32,
}

impl RateLimit {
    /// A limit of `max` calls per second. No window is open yet: the
    /// first call opens one (as if one had opened a second ago, and closed).
    pub fn per_second(max: u32) -> Self {
        let now = Instant::now();
        // `checked_sub`: an `Instant` cannot go before the clock's origin,
        // which on some systems is the machine's start.
        Self::opened_at(max, now.checked_sub(WINDOW).unwrap_or(now))
    }

    /// The same, its first window open from `opened`.
    fn opened_at(max: u32, opened: Instant) -> Self {
        Self {
            max,
            window: Mutex::new(Window { opened, calls: 0 }),
        }
    }

    /// How many calls one window admits: the N of `--max-calls-per-second N`.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// Admits a call now, or says how long until one would be admitted.
    pub fn admit(&self) -> Result<(), Duration> {
        self.admit_at(Instant::now())
    }

    /// Admits a call at `now`, or says how long after `now` the next call
    /// would be admitted (more than zero, at most [`WINDOW`]).
    pub fn admit_at(&self, now: Instant) -> Result<(), Duration> {
        // A thread that panicked while holding the lock left two numbers
        // that are still consistent: keep using them rather than fail every
        // call from now on.
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let closes = window.opened + WINDOW;
        if now >= closes {
            *window = Window {
                opened: now,
                calls: 0,
            };
        }
        if window.calls < self.max {
            window.calls += 1;
            return Ok(());
        }
        Err(closes - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_max_calls_then_says_when_it_closes() {
        let start = Instant::now();
        let limit = RateLimit::opened_at(2, start);
        assert_eq!(limit.admit_at(start), Ok(()));
        assert_eq!(limit.admit_at(start + Duration::from_millis(100)), Ok(()));
        // The third call, 300 ms into the window: come back in 700 ms.
        assert_eq!(
            limit.admit_at(start + Duration::from_millis(300)),
            Err(Duration::from_millis(700))
        );
        // At the moment it closes, a new window opens and admits again.
        assert_eq!(limit.admit_at(start + WINDOW), Ok(()));
    }
}
