//! `cargo run -p errors --bin server` (being written).

fn main() {}
