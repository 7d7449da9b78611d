//! Who calls: what a connection records of its caller, which the call
//! layer hands to tonic's `request.remote_addr()` and `peer_certs()`.

use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};

/// Who is on the other end of a connection ([`crate::server::Connection`]),
/// as tonic records it for each request: the TCP addresses, and over TLS
/// the certificates the client presented.
///
/// tonic puts one value of a connection's `ConnectInfo` type in each
/// request's extensions, and finds the caller's address and certificates
/// (`request.remote_addr()`, `request.peer_certs()`) by *two* types:
/// `TcpConnectInfo`, and `TlsConnectInfo<TcpConnectInfo>`, which only a
/// TLS stream can make. One type serves all kinds of connection, so this
/// one holds both, and [`super::CallLayer`] (which every
/// server's `configure` adds) puts each in the request as tonic would have
/// ([`ConnectionInfo::into_extensions`]), before any handler looks.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The addresses at both ends; none for a unix socket, whose caller has
    /// no address ([`crate::server::caller`] says so).
    tcp: TcpConnectInfo,
    /// Over TLS: the addresses again, and the client's certificates.
    tls: Option<TlsConnectInfo<TcpConnectInfo>>,
}

impl ConnectionInfo {
    /// What a connection records: its addresses, and over TLS its
    /// certificates (made by the server's connection, read here).
    pub(crate) fn new(tcp: TcpConnectInfo, tls: Option<TlsConnectInfo<TcpConnectInfo>>) -> Self {
        Self { tcp, tls }
    }

    /// Puts into `extensions` what tonic itself would put there for this
    /// connection: its `TcpConnectInfo`, and over TLS its
    /// `TlsConnectInfo<TcpConnectInfo>` as well.
    pub fn into_extensions(self, extensions: &mut http::Extensions) {
        extensions.insert(self.tcp);
        if let Some(tls) = self.tls {
            extensions.insert(tls);
        }
    }
}
