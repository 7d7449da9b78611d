//! `cargo run -p retries --bin client` (being written).

fn main() {}
