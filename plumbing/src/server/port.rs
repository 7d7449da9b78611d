//! A bound port and the TLS it speaks, as gRPC's own servers see it:
//! Python's `server.add_secure_port(addr, credentials)` binds an address
//! *with* its credentials, Go wraps a listener in `tls.NewListener`. Here
//! [`super::bind`] does the same, and each connection the port accepts
//! goes through its TLS handshake before tonic serves it.

use tracing::info;

use super::{Incoming, Listener, Listening, StartError, handshake::Handshake};
use crate::cli::ServerArgs;

/// A bound listening socket, with the TLS handshake its connections make
/// first (`--tls`, `--mtls`): what [`super::bind`] returns.
#[derive(Debug)]
pub struct Port {
    /// The socket itself.
    listener: Listener,
    /// With `--tls`: the handshake each accepted connection makes.
    tls: Option<Handshake>,
}

impl Port {
    /// Where this port can be reached, as a client's `--addr` says it.
    pub fn listening(&self) -> Listening {
        self.listener.listening()
    }

    /// The connections this port accepts, for tonic's serving call (with
    /// the stop signal): with `--tls`, each once its handshake is made.
    ///
    /// A connection that has not started speaking within
    /// `--handshake-timeout-ms` is closed, and with TLS, one whose
    /// handshake is not over by then; a refused handshake is logged with
    /// its reason (see `handshake.rs`).
    pub fn incoming(self, args: &ServerArgs) -> Incoming {
        let incoming = self.listener.incoming(args);
        match self.tls {
            Some(handshake) => handshake.secure(incoming),
            None => incoming,
        }
    }
}

/// `listener`, with the TLS the flags ask for: with `--tls`, the
/// development certificates (made on first use), and with `--mtls`, a
/// client certificate demanded.
pub(super) fn with_tls(listener: Listener, args: &ServerArgs) -> Result<Port, StartError> {
    let tls = if args.speaks_tls() {
        Some(handshake(args)?)
    } else {
        None
    };
    Ok(Port { listener, tls })
}

/// The TLS handshake of `--tls` (and `--mtls`), from the certificates in
/// `--certs` (or the default directory); says where they are.
fn handshake(args: &ServerArgs) -> Result<Handshake, StartError> {
    let dir = args.certs.clone().unwrap_or_else(crate::tls::default_dir);
    let (config, created) = crate::tls::server_config(&dir, args.mtls).map_err(StartError::Tls)?;
    let verb = if created { "created" } else { "using" };
    info!(
        "TLS: {verb} development certificates in {}; clients trust {}",
        dir.display(),
        dir.join("ca.pem").display()
    );
    if args.mtls {
        info!(
            "mutual TLS: clients must present a certificate this CA signed (theirs: {}, with --mtls)",
            dir.join("client.pem").display()
        );
    }
    // The handshake timeout covers TLS too: a client that starts a TLS
    // handshake and stalls is dropped like a silent one.
    Ok(Handshake::new(config, args.handshake_timeout()))
}
