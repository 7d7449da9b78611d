//! `cargo run -p metadata --bin server` (being written).

fn main() {}
