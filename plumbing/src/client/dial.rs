//! How to dial a server: the connection settings every client uses.

use std::{path::PathBuf, time::Duration};

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

/// How to dial a server: the connection settings every client uses.
pub(super) struct Dialer {
    /// The TLS settings (the CA to trust), loaded once if `--tls` is given.
    tls: Option<ClientTlsConfig>,
    /// The CA file, for servers the registry says speak TLS.
    ca: PathBuf,
    /// Whether the CA file was named with `--ca`.
    ca_chosen: bool,
    /// Whether to present the client certificate (`--mtls`).
    mtls: bool,
    /// Whether a token is sent, to warn when it would travel in clear.
    token: bool,
}

impl Dialer {
    /// Reads the settings from the client's flags.
    pub(super) fn new(args: &ClientArgs) -> Result<Self, ClientError> {
        let ca = args.ca();
        let ca_chosen = args.ca.is_some();
        let tls = if args.speaks_tls() {
            Some(tls::client_config(&ca, ca_chosen, args.mtls).map_err(ClientError::File)?)
        } else {
            None
        };
        // A CA is for TLS: said here, as nothing would use it.
        if ca_chosen && !args.speaks_tls() && args.registry().is_none() {
            tracing::warn!("--ca is used only with --tls: add --tls to call the server over TLS");
        }
        let token = args.token.is_some();
        Ok(Self {
            tls,
            ca,
            ca_chosen,
            mtls: args.mtls,
            token,
        })
    }

    /// The endpoint for the server at `addr` (HOST:PORT, or `unix:PATH`),
    /// which speaks TLS if `tls`.
    pub(super) fn endpoint(&self, addr: &str, tls: bool) -> Result<Endpoint, ClientError> {
        addr::check(addr, false).map_err(|bad| ClientError::Flag(bad.to_string()))?;
        if addr::unix_path(addr).is_some() {
            return self.unix_endpoint(addr, tls);
        }
        let scheme = if tls { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .map_err(|e| ClientError::Flag(format!("--addr {addr} is not HOST:PORT ({e})")))?
            .connect_timeout(CONNECT_TIMEOUT)
            .http2_keep_alive_interval(KEEPALIVE)
            .keep_alive_timeout(KEEPALIVE_TIMEOUT);
        if tls {
            let config = match &self.tls {
                Some(config) => config.clone(),
                None => tls::client_config(&self.ca, self.ca_chosen, self.mtls)
                    .map_err(ClientError::File)?,
            };
            endpoint = endpoint
                .tls_config(config)
                .map_err(|e| ClientError::File(format!("TLS setup failed: {e}")))?;
        }
        if self.token && !tls && !is_loopback(addr) {
            tracing::warn!(
                "sending --token to {addr} without --tls: anyone on the network path can read it"
            );
        }
        Ok(endpoint)
    }
}

impl Dialer {
    /// The endpoint for a unix domain socket: tonic dials `unix:PATH`
    /// itself. The TCP settings (keepalive probes) have nothing to do on a
    /// socket file, nor has TLS, whose job the file's permissions do.
    fn unix_endpoint(&self, addr: &str, tls: bool) -> Result<Endpoint, ClientError> {
        if tls {
            return Err(ClientError::Flag(format!(
                "--tls and --mtls cannot be used with --addr {addr}: a socket file is reached from this machine only; drop them"
            )));
        }
        let endpoint = Endpoint::from_shared(addr.to_owned())
            .map_err(|e| ClientError::Flag(format!("--addr {addr} is not unix:PATH ({e})")))?;
        Ok(endpoint.connect_timeout(CONNECT_TIMEOUT))
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
        for addr in ["127.0.0.1:8888", "localhost:1", "[::1]:8888", "127.1.2.3:9"] {
            assert!(is_loopback(addr), "{addr}");
        }
        for addr in ["10.0.0.1:8888", "example.org:443", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr), "{addr}");
        }
    }
}
