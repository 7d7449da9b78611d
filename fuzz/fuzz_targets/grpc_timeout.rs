//! Any bytes a client sends as `grpc-timeout`: never a panic, and a deadline
//! only for the well-formed ones (at most 8 digits and a unit).
#![no_main]

use std::time::Duration;

use plumbing::grpc_timeout::parse_grpc_timeout;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(timeout) = parse_grpc_timeout(data) {
        assert!((2..=9).contains(&data.len()));
        assert!(timeout <= Duration::from_secs(99_999_999 * 3600));
    }
});
