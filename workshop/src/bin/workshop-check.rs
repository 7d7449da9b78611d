//! What `cargo run -p workshop -- watch` runs after each save: the check of
//! one exercise (`workshop-check 3`), or of the next not done
//! (`workshop-check next`, or `next:3` if exercise 3 was checked last).
//! Rebuilt with your latest code every time.

use std::process::ExitCode;

fn main() -> ExitCode {
    let argument = std::env::args().nth(1).unwrap_or_else(|| "next".to_owned());
    match argument.strip_prefix("next") {
        Some("") => workshop::app::check_next(None),
        Some(previous) => match previous.trim_start_matches(':').parse() {
            Ok(previous) => workshop::app::check_next(Some(previous)),
            Err(_) => usage(),
        },
        None => match argument.parse() {
            Ok(number) => workshop::app::check(number),
            Err(_) => usage(),
        },
    }
}

/// The one line for arguments this program does not take.
fn usage() -> ExitCode {
    eprintln!("usage: workshop-check [N | next | next:N]");
    ExitCode::FAILURE
}
