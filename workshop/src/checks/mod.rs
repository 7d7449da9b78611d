//! The checks: one module per exercise, each driving your code over a real
//! socket and saying what is still wrong.
//!
//! You do not need to read these to do the exercises, but you may: each is
//! a small example of testing a gRPC service from the outside.

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

use std::{fmt::Debug, future::Future, time::Duration};

use crate::harness::{self, Outcome, Report};

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
        _ => Err(format!(
            "there is no exercise {number}: they are numbered 1 to 10"
        )),
    }
}

/// `Ok` if `received` is `expected`; otherwise says both, about `what`.
fn expect_eq<T: PartialEq + Debug>(what: &str, expected: T, received: T) -> Result<(), String> {
    if expected == received {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {expected:?}, received {received:?}"
        ))
    }
}

/// Waits at most 2 s for `future`: a reply that does not come is an error
/// that names `what` was awaited.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(Duration::from_secs(2), future)
        .await
        .map_err(|_| format!("{what}: nothing came within 2 s"))
}

/// A failed call as a check's error: what was called, and the status.
fn failed(what: &str, status: &tonic::Status) -> String {
    format!("{what} failed: {}", harness::status_line(status))
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
        exercise_10 = 10
    );
}
