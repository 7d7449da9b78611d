//! Does the server at an address speak TLS? Asked in TLS.
//!
//! A plaintext call that meets a TLS server fails in one of several ways,
//! depending on who reads first: an oversized HTTP/2 frame (the TLS record
//! read as a frame header: [`super::classify`] names it), or, as often, a
//! reset or a plain hang-up, which is also what a server that stopped, or a
//! proxy that cut the connection, looks like. So before advising `--tls`
//! for a connection that broke, we ask the server itself: a TLS handshake
//! that trusts no CA gets as far as refusing the server's certificate only
//! if the server answered in TLS. One question, one answer, whoever read
//! first.

use std::{
    io,
    net::{Ipv4Addr, TcpStream, ToSocketAddrs},
    sync::Arc,
    time::Duration,
};

use rustls::{ClientConfig, ClientConnection, RootCertStore, pki_types::ServerName};

/// Whether the server at `addr` (`HOST:PORT`) answers a TLS handshake,
/// each step within `within`. `false` when it does not, or cannot be asked.
///
/// Blocking (std's socket, rustls's own loop): it runs once, on a failure's
/// way out, where an async runtime would buy nothing.
pub fn speaks_tls(addr: &str, within: Duration) -> bool {
    let Some(socket) = addr.to_socket_addrs().ok().and_then(|mut all| all.next()) else {
        return false;
    };
    let Ok(mut tcp) = TcpStream::connect_timeout(&socket, within) else {
        return false;
    };
    if tcp.set_read_timeout(Some(within)).is_err() || tcp.set_write_timeout(Some(within)).is_err() {
        return false;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let Ok(config) = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|config| {
            config
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth()
        })
    else {
        return false;
    };
    // The name does not matter: no certificate is trusted anyway.
    let name = ServerName::from(Ipv4Addr::LOCALHOST);
    let Ok(mut tls) = ClientConnection::new(Arc::new(config), name) else {
        return false;
    };
    while tls.is_handshaking() {
        if let Err(error) = tls.complete_io(&mut tcp) {
            return refused_a_certificate(&error);
        }
    }
    // A handshake that succeeded with no CA trusted: not possible; say no.
    false
}

/// Whether the handshake ended because rustls refused the certificate the
/// server sent: only a TLS server sends one.
fn refused_a_certificate(error: &io::Error) -> bool {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITHIN: Duration = Duration::from_secs(2);

    #[test]
    fn a_plaintext_listener_and_a_closed_port_do_not_speak_tls() {
        // Something that accepts and says nothing back, then hangs up.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || drop(listener.accept()));
        assert!(!speaks_tls(&addr, WITHIN));
        assert!(!speaks_tls("127.0.0.1:1", WITHIN));
        assert!(!speaks_tls("not an address", WITHIN));
    }
}
