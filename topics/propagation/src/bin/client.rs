//! `cargo run -p propagation --bin client` (being written).

fn main() {}
