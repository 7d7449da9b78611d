//! The `grpc-timeout` header: how a client tells the server its deadline.
//!
//! A client that sets a deadline sends it with the call as "I will wait
//! this long": 1 to 8 digits and a unit, e.g. `200m` for 200 ms.

use std::time::Duration;

/// Reads a `grpc-timeout` header value: 1 to 8 digits and a unit, `H`ours,
/// `M`inutes, `S`econds, `m`illis, `u` micros or `n`anos (e.g. `250m`).
///
/// Returns `None` for anything else, which gRPC says to treat as no deadline.
pub fn parse_grpc_timeout(value: &[u8]) -> Option<Duration> {
    let (unit, digits) = value.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // At most 8 digits, so this neither fails nor overflows below.
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_unit_and_rejects_the_rest() {
        assert_eq!(
            parse_grpc_timeout(b"250m"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_grpc_timeout(b"1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout(b"2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout(b"3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout(b"4u"), Some(Duration::from_micros(4)));
        assert_eq!(
            parse_grpc_timeout(b"99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in [
            &b""[..],
            b"m",
            b"10",
            b"123456789m",
            b"-1m",
            b"1x",
            b"1.5S",
            "1é".as_bytes(),
        ] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
    }
}
