//! `cargo run -p metadata --bin client` (being written).

fn main() {}
