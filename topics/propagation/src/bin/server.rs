//! `cargo run -p propagation --bin server` (being written).

fn main() {}
