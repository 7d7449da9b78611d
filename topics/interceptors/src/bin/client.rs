//! `cargo run -p interceptors --bin client` (being written).

fn main() {}
