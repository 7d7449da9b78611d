//! The checks: one module per exercise, each driving your code over a real
//! socket and saying what is still wrong.
//!
//! You do not need to read these to do the exercises, but you may: each is
//! a small example of testing a gRPC service from the outside. Each check
//! tries the mistakes people make most often in its exercise and names
//! them; its tests feed it such mistakes on purpose, to prove it does.

mod e01;
mod e02;
mod e03;
mod e04;
mod e05;
mod e06;
mod e07;
mod e08;
mod e09;
mod e10;
mod e11;
mod e12;
mod e13;
mod e14;
mod e15;
mod e16;

use std::{
    fmt::Debug,
    future::Future,
    time::{Duration, Instant},
};

use workshop::text::checks as t;

use crate::harness::{self, Outcome, Report};

/// How long a check waits for one reply, one message, one step, before it
/// says what did not come: far more than any of them takes when it works.
const REPLY_LIMIT: Duration = Duration::from_secs(2);

/// Runs exercise `number`'s check; `quiet` prints only the outcome.
pub fn check(number: u8, quiet: bool) -> Outcome {
    harness::run(move || run(number, Report { quiet }))
}

/// The check of exercise `number`.
async fn run(number: u8, report: Report) -> Result<(), String> {
    match number {
        1 => e01::check(report).await,
        2 => e02::check(report).await,
        3 => e03::check(report).await,
        4 => e04::check(report).await,
        5 => e05::check(report).await,
        6 => e06::check(report).await,
        7 => e07::check(report).await,
        8 => e08::check(report).await,
        9 => e09::check(report).await,
        10 => e10::check(report).await,
        11 => e11::check(report).await,
        12 => e12::check(report).await,
        13 => e13::check(report).await,
        14 => e14::check(report).await,
        15 => e15::check(report).await,
        16 => e16::check(report).await,
        _ => Err(workshop::text::ui::NO_SUCH_EXERCISE.with(&[("number", &number)])),
    }
}

/// `Ok` if `received` is `expected`; otherwise says both, about `what`.
fn expect_eq<T: PartialEq + Debug>(what: &str, expected: T, received: T) -> Result<(), String> {
    if expected == received {
        Ok(())
    } else {
        Err(t::EXPECTED.with(&[
            ("what", &what),
            ("expected", &format!("{expected:?}")),
            ("received", &format!("{received:?}")),
        ]))
    }
}

/// Waits at most [`REPLY_LIMIT`] for `future`. If nothing comes, the error
/// is `why()`: each wait says what was awaited, and what usually keeps it
/// from coming.
async fn within<T>(
    future: impl Future<Output = T>,
    why: impl FnOnce() -> String,
) -> Result<T, String> {
    tokio::time::timeout(REPLY_LIMIT, future)
        .await
        .map_err(|_| why())
}

/// A failed call as a check's error: what was called, and the status.
fn failed(what: &str, status: &tonic::Status) -> String {
    t::FAILED.with(&[("what", &what), ("status", &harness::status_line(status))])
}

/// Runs `one` and `two` at once and says how long both took together.
async fn two_at_once<A, B>(one: A, two: B) -> (A::Output, B::Output, Duration)
where
    A: Future,
    B: Future,
{
    let started = Instant::now();
    let (one, two) = tokio::join!(one, two);
    (one, two, started.elapsed())
}

/// The verdict on two calls made at once that should each take `alone`:
/// together they must take well under twice that, or they did not overlap,
/// and something blocked the server's only thread. `what` names the calls.
fn expect_overlap(what: &str, alone: Duration, together: Duration) -> Result<(), String> {
    // Overlapping calls take `alone` and a little; calls that wait for each
    // other take twice as long. Halfway between is the line.
    let limit = alone + alone / 2;
    if together < limit {
        Ok(())
    } else {
        Err(t::BLOCKING.with(&[
            ("what", &what),
            ("together", &together.as_millis()),
            ("alone", &alone.as_millis()),
        ]))
    }
}

/// A check whose verdict the tests compare: the full check of a deliberate
/// mistake, run as `check N` runs it.
#[cfg(test)]
fn verdict<F>(check: impl FnOnce(Report) -> F + Send + 'static) -> Outcome
where
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    harness::run(move || check(Report { quiet: true }))
}

/// The message of a verdict that must be "not yet".
#[cfg(test)]
fn not_yet(outcome: Outcome) -> String {
    match outcome {
        Outcome::NotYet(why) => why,
        Outcome::Done => panic!("a deliberate mistake passed its check"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each exercise's check as a test, so `cargo test` lists them. They are
    // ignored, not passed, while an exercise is unsolved; CI runs them on
    // the solutions with `-- --include-ignored`.
    macro_rules! exercise {
        ($($name:ident = $number:literal),*) => {$(
            #[test]
            #[ignore = "an exercise: passes once solved (cargo run -p workshop -- check N)"]
            fn $name() {
                assert_eq!(check($number, true), Outcome::Done);
            }
        )*};
    }

    exercise!(
        exercise_01 = 1,
        exercise_02 = 2,
        exercise_03 = 3,
        exercise_04 = 4,
        exercise_05 = 5,
        exercise_06 = 6,
        exercise_07 = 7,
        exercise_08 = 8,
        exercise_09 = 9,
        exercise_10 = 10,
        exercise_11 = 11,
        exercise_12 = 12,
        exercise_13 = 13,
        exercise_14 = 14,
        exercise_15 = 15,
        exercise_16 = 16
    );

    #[test]
    fn calls_that_overlap_pass_and_calls_in_turn_are_blocking() {
        let alone = Duration::from_millis(200);
        assert!(expect_overlap("two calls", alone, Duration::from_millis(230)).is_ok());
        let why = expect_overlap("two calls", alone, Duration::from_millis(410)).unwrap_err();
        assert!(why.contains("block"), "{why}");
    }
}
