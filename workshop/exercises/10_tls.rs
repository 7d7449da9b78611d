//! Exercise 10: encryption with TLS.
//!
//! Goal: serve and call over TLS, with the certificate authority (CA) the
//! exercise generates.
//!
//! TLS does two things: it encrypts the connection, and it lets the client
//! check that the server is who it claims to be. The server shows a
//! certificate signed by a CA; the client trusts that CA, and nothing else.
//! How the teaching servers do it for `--tls`: `plumbing/src/tls.rs`.
//!
//! Check: cargo run -p workshop -- check 10

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    Request, Response, Status,
    transport::{
        Certificate, Channel, ClientTlsConfig, Endpoint, Identity, Server, ServerTlsConfig,
    },
};

use crate::pb::{
    HelloReply, HelloRequest,
    secret_client::SecretClient,
    secret_server::{Secret, SecretServer},
};

/// Given: the server of exercise 10.
#[derive(Debug, Default)]
pub struct SecretService;

#[tonic::async_trait]
impl Secret for SecretService {
    /// Answers "only you can read this".
    async fn whisper(
        &self,
        _request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        Ok(Response::new(HelloReply {
            message: "only you can read this".to_owned(),
        }))
    }
}

/// A CA's certificate, and a server certificate it signed, all as PEM text.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA's certificate: what clients trust.
    pub ca_cert: String,
    /// The server's certificate, for `localhost` and `127.0.0.1`.
    pub server_cert: String,
    /// The server's private key: the secret that proves it owns the certificate.
    pub server_key: String,
}

/// Given: makes a new CA, and a server certificate signed by it.
pub fn make_certificates() -> Result<Certificates, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let server_cert = CertificateParams::new(names)?.signed_by(&server_key, &ca)?;
    Ok(Certificates {
        ca_cert: ca_cert.pem(),
        server_cert: server_cert.pem(),
        server_key: server_key.serialize_pem(),
    })
}

/// Serves `SecretService` on `listener`, over TLS with the server's certificate.
pub async fn serve_tls(
    listener: TcpListener,
    certs: &Certificates,
) -> Result<(), tonic::transport::Error> {
    // Without TLS it would be:
    //   Server::builder()
    //       .add_service(SecretServer::new(SecretService))
    //       .serve_with_incoming(TcpListenerStream::new(listener))
    //       .await
    // TODO(10): the same, with a TLS configuration whose identity is the
    // server's certificate and key (Identity::from_pem, ServerTlsConfig),
    // given to the builder with `.tls_config(...)?` (it can fail).
    todo!("serve over TLS")
}

/// Connects to the server at `addr` over TLS, trusting only `ca_cert`.
pub async fn connect_tls(
    addr: std::net::SocketAddr,
    ca_cert: &str,
) -> Result<SecretClient<Channel>, tonic::transport::Error> {
    // Without TLS it would be:
    //   let channel = Endpoint::try_from(format!("http://{addr}"))?.connect().await?;
    //   Ok(SecretClient::new(channel))
    // TODO(10): use https, and a TLS configuration that trusts `ca_cert`
    // (Certificate::from_pem, ClientTlsConfig) and expects the name
    // "localhost" in the server's certificate (`.domain_name`).
    todo!("connect over TLS")
}
