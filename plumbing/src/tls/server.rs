//! The server's TLS settings, as rustls takes them.
//!
//! tonic's `ServerTlsConfig` makes these itself from the same PEM files, and
//! makes the handshake inside its server, where a refused handshake is
//! logged at debug level only, without the caller's address. So the
//! servers here make the handshake themselves (`server::handshake`), with
//! the settings made below: the same rustls verifier tonic would use, the
//! same protocol versions, and HTTP/2 (`h2`) offered by ALPN, as tonic does.

use std::sync::Arc;

use rustls::{
    RootCertStore, ServerConfig,
    crypto::{CryptoProvider, ring},
    pki_types::{CertificateDer, PrivateKeyDer, UnixTime, pem::PemObject as _},
    server::{WebPkiClientVerifier, danger::ClientCertVerifier},
};

/// The ALPN name of HTTP/2, which gRPC runs on: offered in the handshake.
const ALPN_H2: &[u8] = b"h2";

/// The files a server's TLS is made from, read into memory.
pub(super) struct Pems {
    /// The server's certificate (`server.pem`).
    pub(super) cert: Vec<u8>,
    /// Its private key (`server.key`).
    pub(super) key: Vec<u8>,
    /// With mutual TLS, the CA whose clients are trusted (`ca.pem`).
    pub(super) client_ca: Option<Vec<u8>>,
}

/// How the server's own certificate fares as a *client's*, under `--mtls`:
/// refused (as it should be), or let through (certificates made before
/// they said what each is for).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ServerCertAsClient {
    /// The verifier refuses it: only `client.pem` calls.
    Refused,
    /// The verifier would accept it: the directory must be renewed.
    Accepted,
}

/// Makes rustls's server settings from `pems`: TLS 1.2 and 1.3 with ring's
/// cryptography (tonic's choice too), our certificate, and with a client
/// CA, a verifier that accepts only client certificates that CA signed
/// *for clients* (their extended key usage says `clientAuth`, or says
/// nothing at all).
///
/// Also returns, with a client CA, how that verifier judges our own
/// server certificate presented as a client's.
pub(super) fn config(
    pems: &Pems,
) -> Result<(Arc<ServerConfig>, Option<ServerCertAsClient>), String> {
    let provider = Arc::new(ring::default_provider());
    let chain = certificates(&pems.cert, "server.pem")?;
    let key = PrivateKeyDer::from_pem_slice(&pems.key)
        .map_err(|e| format!("server.key holds no private key rustls can read: {e}"))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let (builder, server_as_client) = match &pems.client_ca {
        None => (builder.with_no_client_auth(), None),
        Some(ca) => {
            let verifier = client_verifier(ca, provider)?;
            let judged = judge_as_client(verifier.as_ref(), &chain);
            (builder.with_client_cert_verifier(verifier), Some(judged))
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok((Arc::new(config), server_as_client))
}

/// rustls's own verifier of client certificates (the one tonic builds),
/// trusting the certificates in `ca_pem`. A client must present a
/// certificate: none at all fails the handshake.
fn client_verifier(
    ca_pem: &[u8],
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    for ca in certificates(ca_pem, "ca.pem")? {
        roots
            .add(ca)
            .map_err(|e| format!("ca.pem is not a CA certificate rustls accepts: {e}"))?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("TLS setup failed: {e}"))
}

/// Asks the verifier the very question a handshake would: would it take
/// our server certificate from a client?
fn judge_as_client(
    verifier: &dyn ClientCertVerifier,
    chain: &[CertificateDer],
) -> ServerCertAsClient {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return ServerCertAsClient::Refused;
    };
    match verifier.verify_client_cert(end_entity, intermediates, UnixTime::now()) {
        Ok(_) => ServerCertAsClient::Accepted,
        Err(_) => ServerCertAsClient::Refused,
    }
}

/// The certificates in a PEM file, or which file holds none.
fn certificates(pem: &[u8], file: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{file} holds no certificate rustls can read: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{file} holds no certificate"));
    }
    Ok(certs)
}
