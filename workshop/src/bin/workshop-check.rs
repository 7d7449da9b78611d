//! What `cargo run -p workshop -- watch` runs after each save: the check of
//! one exercise (`workshop-check 3`), or of the next not done
//! (`workshop-check next`). Rebuilt with your latest code every time.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("next") => workshop::app::check_next(),
        Some(number) => match number.parse() {
            Ok(number) => workshop::app::check(number),
            Err(_) => {
                eprintln!("usage: workshop-check [N | next]");
                ExitCode::FAILURE
            }
        },
    }
}
