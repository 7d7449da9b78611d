//! `cargo run -p compression --bin server` (being written).

fn main() {}
