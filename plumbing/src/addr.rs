//! `--addr HOST:PORT` (or `unix:PATH`), read the same way by servers and
//! clients.
//!
//! Servers and clients must refuse the same mistakes with the same words:
//! `--addr localhost` has no port (a client would silently dial port 80),
//! and `--addr 127.0.0.1:99999` has one no TCP socket can have.

use std::fmt;

use crate::words;

/// A `--addr` value that is not HOST:PORT, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadAddr {
    /// The value given.
    pub addr: String,
    /// What is wrong with it.
    pub problem: AddrProblem,
}

/// What is wrong with an address: a type, so that each program can say it
/// in the words that fit its case (the workshop's `call` has no `--tls` to
/// advise); [`fmt::Display`] says it as the lesson programs do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrProblem {
    /// `localhost`: no `:PORT` (a client would silently dial port 80).
    NoPort,
    /// `127.0.0.1;50051`: a `;` where the `:` goes.
    Semicolon,
    /// `:50051`: no host before the port.
    NoHost,
    /// `::1:50051`: an IPv6 host without its brackets.
    Ipv6WithoutBrackets,
    /// `127.0.0.1:99999`: a port no TCP socket can have.
    BadPort,
    /// `127.0.0.1:0` given to a client: port 0 cannot be dialled.
    PortZero,
    /// `http://127.0.0.1:50051`: a URL where HOST:PORT goes.
    Scheme,
    /// `unix:`: a unix socket without its path.
    UnixWithoutPath,
    /// Something a particular program found wrong, in its words.
    Other(&'static str),
}

/// What is wrong, in this run's language ([`crate::words`]).
impl fmt::Display for AddrProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = match self {
            AddrProblem::NoPort => words::ADDR_NO_PORT,
            AddrProblem::Semicolon => words::ADDR_SEMICOLON,
            AddrProblem::NoHost => words::ADDR_NO_HOST,
            AddrProblem::Ipv6WithoutBrackets => words::ADDR_IPV6,
            AddrProblem::BadPort => words::ADDR_BAD_PORT,
            AddrProblem::PortZero => words::ADDR_PORT_ZERO,
            AddrProblem::Scheme => words::ADDR_SCHEME,
            AddrProblem::UnixWithoutPath => words::ADDR_UNIX,
            // A program's own words, in English only.
            AddrProblem::Other(why) => return f.write_str(why),
        };
        write!(f, "{words}")
    }
}

impl fmt::Display for BadAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { addr, problem } = self;
        f.write_str(&words::BAD_ADDR.with(&[("addr", addr), ("why", problem)]))
    }
}

impl std::error::Error for BadAddr {}

/// The address to give other machines for a server bound to `addr`: this
/// machine's address on its network when the server listens on all of
/// them (`0.0.0.0`), else `addr` itself (`127.0.0.1` only this machine can
/// reach, and says so by itself).
///
/// The network address is the one a UDP socket would send from towards a
/// documentation-only address (RFC 5737): connecting a UDP socket sends
/// nothing, it only asks the system for a route.
pub fn reachable(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    use std::net::{Ipv4Addr, UdpSocket};
    const SOME_REMOTE_HOST: (Ipv4Addr, u16) = (Ipv4Addr::new(192, 0, 2, 1), 9);
    if !addr.ip().is_unspecified() {
        return addr;
    }
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| socket.connect(SOME_REMOTE_HOST).map(|()| socket))
        .and_then(|socket| socket.local_addr())
        .map_or(addr, |local| {
            std::net::SocketAddr::new(local.ip(), addr.port())
        })
}

/// The path of a unix domain socket address, `unix:PATH`, if `addr` is one.
pub fn unix_path(addr: &str) -> Option<&str> {
    addr.strip_prefix("unix:")
}

/// Checks that `addr` is HOST:PORT with a port a socket can have (1 to
/// 65535, or also 0 when `port_zero_allowed`, which asks a server's system
/// for any free port), or `unix:PATH`, a unix domain socket (port 0).
/// IPv6 hosts are written in brackets: `[::1]:50051`. Returns the port.
pub fn check(addr: &str, port_zero_allowed: bool) -> Result<u16, BadAddr> {
    let bad = |problem| BadAddr {
        addr: addr.to_owned(),
        problem,
    };
    if let Some(path) = unix_path(addr) {
        return if path.is_empty() || path.starts_with("//") {
            Err(bad(AddrProblem::UnixWithoutPath))
        } else {
            Ok(0)
        };
    }
    // What a server's log prints (`listening on http://...`) is a URL; the
    // flag wants what comes after the scheme.
    if addr.contains("://") {
        return Err(bad(AddrProblem::Scheme));
    }
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err(bad(if addr.contains(';') {
            AddrProblem::Semicolon
        } else {
            AddrProblem::NoPort
        }));
    };
    if host.is_empty() {
        return Err(bad(AddrProblem::NoHost));
    }
    // An IPv6 address without brackets splits at its own last colon.
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(bad(AddrProblem::Ipv6WithoutBrackets));
    }
    let port: u16 = port.parse().map_err(|_| bad(AddrProblem::BadPort))?;
    if port == 0 && !port_zero_allowed {
        return Err(bad(AddrProblem::PortZero));
    }
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_pass_and_each_mistake_is_named() {
        assert_eq!(check("127.0.0.1:50051", false), Ok(50051));
        assert_eq!(check("localhost:1", false), Ok(1));
        assert_eq!(check("[::1]:50051", false), Ok(50051));
        assert_eq!(check("127.0.0.1:0", true), Ok(0));
        assert_eq!(check("unix:/tmp/hello.sock", false), Ok(0));
        assert_eq!(check("unix:hello.sock", false), Ok(0));
        for (addr, why) in [
            ("localhost", "no port"),
            ("127.0.0.1;50051", "a ';' where the ':'"),
            ("127.0.0.1:99999", "from 1 to 65535"),
            ("127.0.0.1:", "from 1 to 65535"),
            (":50051", "no host"),
            ("::1:50051", "brackets"),
            ("127.0.0.1:0", "port 0"),
            ("http://127.0.0.1:50051", "drop the scheme"),
            ("unix:", "unix:PATH"),
        ] {
            let error = check(addr, false).unwrap_err();
            assert!(error.to_string().contains(why), "{addr}: {error}");
        }
    }
}
