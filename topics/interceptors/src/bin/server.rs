//! `cargo run -p interceptors --bin server` (being written).

fn main() {}
