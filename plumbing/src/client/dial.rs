//! Values for dialling a server: the URI, the TLS settings, the settings
//! every connection gets. The lesson makes the `Endpoint` from them itself.

use std::{sync::Once, time::Duration};

use tonic::transport::{ClientTlsConfig, Endpoint};

use super::ClientError;
use crate::{addr, cli::ClientArgs, tls};

/// How long to wait for a TCP connection before failing the call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// While calls are open, how long a connection may be quiet before we PING
/// it, and how long we then wait for the answer: a server that vanished is
/// noticed instead of waited for forever.
const KEEPALIVE: Duration = Duration::from_secs(30);
/// See [`KEEPALIVE`].
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// The URI tonic's `Endpoint` wants for the server at `addr` (`--addr`, or
/// a registry entry's): `http://HOST:PORT`, `https://HOST:PORT` if it
/// speaks `tls`, or `unix:PATH` as it is (tonic dials a unix domain socket
/// itself). A malformed address is refused here, before any dialling.
pub fn uri(addr: &str, tls: bool, args: &ClientArgs) -> Result<String, ClientError> {
    addr::check(addr, false).map_err(|bad| ClientError::Flag(bad.to_string()))?;
    warn_of_a_ca_without_tls(args);
    if addr::unix_path(addr).is_some() {
        // The socket file's permissions do TLS's job: only this machine,
        // only this user.
        if tls {
            return Err(ClientError::Flag(format!(
                "--tls and --mtls cannot be used with --addr {addr}: a socket file is reached from this machine only; drop them"
            )));
        }
        return Ok(addr.to_owned());
    }
    if args.token.is_some() && !tls && !is_loopback(addr) {
        tracing::warn!(
            "sending --token to {addr} without --tls: anyone on the network path can read it"
        );
    }
    let scheme = if tls { "https" } else { "http" };
    Ok(format!("{scheme}://{addr}"))
}

/// The TLS settings for `Endpoint::tls_config`: trust the CA of `--ca` (or
/// the development CA), and with `--mtls` present the client certificate
/// beside it. A file that cannot be read is said here, with what to do.
pub fn tls_config(args: &ClientArgs) -> Result<ClientTlsConfig, ClientError> {
    tls::client_config(&args.ca(), args.ca.is_some(), args.mtls).map_err(ClientError::File)
}

/// Sets on `endpoint` what every connection of ours gets: a connect
/// timeout (a server that does not answer fails the call in 5 s, instead
/// of the system's minutes), and HTTP/2 keepalive pings while calls are
/// open (a server that vanished is noticed in 40 s, not hours).
pub fn dial_settings(endpoint: Endpoint) -> Endpoint {
    endpoint
        .connect_timeout(CONNECT_TIMEOUT)
        .http2_keep_alive_interval(KEEPALIVE)
        .keep_alive_timeout(KEEPALIVE_TIMEOUT)
}

/// A CA is for TLS: said once, as nothing would use it.
fn warn_of_a_ca_without_tls(args: &ClientArgs) {
    static SAID: Once = Once::new();
    if args.ca.is_some() && !args.speaks_tls() && args.registry().is_none() {
        SAID.call_once(|| {
            tracing::warn!("--ca is used only with --tls: add --tls to call the server over TLS");
        });
    }
}

/// Whether `addr` (HOST:PORT) names this machine, where a plaintext token
/// cannot be overheard on the network.
fn is_loopback(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_recognised() {
        for addr in [
            "127.0.0.1:50051",
            "localhost:1",
            "[::1]:50051",
            "127.1.2.3:9",
        ] {
            assert!(is_loopback(addr), "{addr}");
        }
        for addr in ["10.0.0.1:50051", "example.org:443", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr), "{addr}");
        }
    }

    #[test]
    fn the_uri_says_the_scheme_and_refuses_tls_on_a_socket() {
        let args = ClientArgs::default();
        assert_eq!(
            uri("127.0.0.1:50051", false, &args).unwrap(),
            "http://127.0.0.1:50051"
        );
        assert_eq!(
            uri("localhost:1", true, &args).unwrap(),
            "https://localhost:1"
        );
        assert_eq!(uri("unix:/tmp/s", false, &args).unwrap(), "unix:/tmp/s");
        assert!(matches!(
            uri("unix:/tmp/s", true, &args),
            Err(ClientError::Flag(_))
        ));
        assert!(matches!(
            uri("http://127.0.0.1:1", false, &args),
            Err(ClientError::Flag(_))
        ));
    }
}
