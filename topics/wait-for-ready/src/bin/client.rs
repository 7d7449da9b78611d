//! `cargo run -p wait-for-ready --bin client` (being written).

fn main() {}
