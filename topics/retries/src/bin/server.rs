//! `cargo run -p retries --bin server` (being written).

fn main() {}
