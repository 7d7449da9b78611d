//! `cargo run -p wait-for-ready --bin server` (being written).

fn main() {}
