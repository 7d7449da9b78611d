//! `cargo run -p errors --bin client` (being written).

fn main() {}
