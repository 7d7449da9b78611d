//! Helpers for tests: a real server on a free port, and clients for it.
//!
//! Tests talk to servers the way students' programs do, over a real TCP
//! socket on `127.0.0.1`. Port 0 asks the system for any free port, so tests
//! can run in parallel and next to a server a student left running.

use std::net::SocketAddr;

use crate::{
    Kind,
    cli::{ClientArgs, ServerArgs},
    pb::{self, do_stuff_server::DoStuff},
    server::{self, RunningServer},
};

/// A server started for a test, and the client flags that reach it.
#[derive(Debug)]
pub struct TestServer {
    /// The server itself, serving in the background until shut down.
    server: RunningServer,
    /// Client flags pointing at this server (`--addr 127.0.0.1:<port>`).
    pub client_args: ClientArgs,
}

/// Starts `service` on `127.0.0.1:0` with default flags.
pub async fn start<S: DoStuff>(kind: Kind, service: S) -> TestServer {
    start_with(kind, service, ServerArgs::default()).await
}

/// Starts `service` on `127.0.0.1:0` with the given server flags (their
/// `addr` is replaced). When this returns, the socket is bound: no need to
/// wait or retry before connecting.
pub async fn start_with<S: DoStuff>(kind: Kind, service: S, mut args: ServerArgs) -> TestServer {
    args.addr = Some("127.0.0.1:0".to_owned());
    let server = server::start(kind, service, &args)
        .await
        .unwrap_or_else(|e| panic!("test server did not start: {e}"));
    let client_args = ClientArgs {
        addr: vec![server.addr().to_string()],
        tls: args.tls,
        ca: args.certs.as_ref().map(|dir| dir.join("ca.pem")),
        token: args.token.clone(),
        ..ClientArgs::default()
    };
    TestServer {
        server,
        client_args,
    }
}

impl TestServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A new client for this server, with [`TestServer::client_args`].
    pub async fn client(&self, kind: Kind) -> pb::Client {
        crate::client::connect(kind, &self.client_args)
            .await
            .expect("client flags are valid")
    }

    /// The running server, to shut it down.
    pub fn into_server(self) -> RunningServer {
        self.server
    }
}

/// An address where nothing listens: a port just released by the system.
pub fn closed_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

/// This process's resident memory and its peak so far, in KiB (Linux only:
/// `None` elsewhere). In a test that is the client and the server together.
pub fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|line| line.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
