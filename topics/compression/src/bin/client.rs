//! `cargo run -p compression --bin client` (being written).

fn main() {}
