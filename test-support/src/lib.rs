//! # test-support: what the workspace's tests share
//!
//! Used only as a dev-dependency: none of this is linked into a server or
//! a client. Tests talk to servers the way students' programs do, over a
//! real TCP socket on `127.0.0.1`. Port 0 asks the system for any free
//! port, so tests can run in parallel and next to a server a student left
//! running.
//!
//! - [`TestServer`]: a real server on a free port, started through the
//!   lesson's own `start` (or [`serve`], the unary lesson's, for the
//!   plumbing's tests), and the client flags that reach it.
//! - [`Observed`]: a `DoStuff` service that says what becomes of each call.
//! - [`EtcdProcess`]: a real etcd, for the registry's tests.
//! - [`captured_logs`], [`wait_for_log`]: what the program logged.
//! - [`closed_addr`], [`memory_kib`]: small probes.

// Test code: a helper that cannot do its job fails the test that called
// it, with the reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod etcd;
mod logs;
mod observed;

use std::net::SocketAddr;

use hello_proto::pb::do_stuff_server::DoStuff;
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Stub},
    server::{RunningServer, StartError},
};
use tonic::transport::Channel;

pub use etcd::EtcdProcess;
pub use logs::{capture_logs, captured_logs, wait_for_log};
pub use observed::{Event, Observed};

/// A server started for a test, and the client flags that reach it.
#[derive(Debug)]
pub struct TestServer {
    /// The server itself, serving in the background until shut down.
    server: RunningServer,
    /// Client flags pointing at this server (`--addr 127.0.0.1:<port>`,
    /// and the server's `--tls`, CA and `--token`).
    pub client_args: ClientArgs,
}

impl TestServer {
    /// Starts a server with `args` on `127.0.0.1:0` (their `addr` is
    /// replaced, unless it is a unix socket), through `start`: a lesson's own `server::start`. When
    /// this returns, the socket is bound: no need to wait before calling.
    pub async fn start(
        mut args: ServerArgs,
        start: impl AsyncFnOnce(&ServerArgs) -> Result<RunningServer, StartError>,
    ) -> TestServer {
        // A free port, unless the test asked for a unix socket.
        if !args
            .addr
            .as_deref()
            .is_some_and(|addr| addr.starts_with("unix:"))
        {
            args.addr = Some("127.0.0.1:0".to_owned());
        }
        let server = start(&args)
            .await
            .unwrap_or_else(|e| panic!("test server did not start: {e}"));
        let client_args = ClientArgs {
            addr: vec![server.listening().to_string()],
            tls: args.speaks_tls(),
            mtls: args.mtls,
            ca: args.certs.as_ref().map(|dir| dir.join("ca.pem")),
            token: args.token.clone(),
            ..ClientArgs::default()
        };
        TestServer {
            server,
            client_args,
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server
            .addr()
            .expect("a test server on TCP, not a unix socket")
    }

    /// A stub for this server, made with [`TestServer::client_args`].
    pub async fn stub(&self) -> Stub {
        stub(&self.client_args)
            .await
            .expect("the test's client flags are valid")
    }

    /// A plain channel to this server, for clients other than `DoStuff`'s
    /// (health, reflection, raw calls).
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr()))
            .expect("a valid URI")
            .connect()
            .await
            .expect("the test server accepts connections")
    }

    /// The running server, to shut it down.
    pub fn into_server(self) -> RunningServer {
        self.server
    }
}

/// A server on a free port, assembled as every lesson's is ([`serve`]),
/// whose `say_hello` calls take `delay_ms` and report their [`Event`]s.
pub async fn observed(
    delay_ms: u64,
    args: ServerArgs,
) -> (TestServer, tokio::sync::mpsc::UnboundedReceiver<Event>) {
    let (service, events) = Observed::new(std::time::Duration::from_millis(delay_ms));
    let server = TestServer::start(args, async |args| serve(service, args).await).await;
    (server, events)
}

/// A server on a free port, assembled as every lesson's is, that answers
/// `say_hello` at once.
pub async fn start(args: ServerArgs) -> TestServer {
    observed(0, args).await.0
}

/// Serves `service` as the unary lesson assembles its server (for the
/// plumbing's own tests, which have no lesson of their own).
pub async fn serve(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    unary::server::start(service, args).await
}

/// A stub made as the unary lesson's client makes it, from `args`.
pub async fn stub(args: &ClientArgs) -> Result<Stub, ClientError> {
    unary::client::connect(args).await
}

/// Calls `say_hello` on `stub` as the unary lesson's client does, with
/// its deadline, and returns the reply's text.
pub async fn say_hello(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<std::time::Duration>,
) -> Result<String, tonic::Status> {
    unary::client::say_hello(stub, pid, timeout).await
}

/// Sends `request` (raw bytes, HTTP/1.1 say) as it is on a new connection
/// to `addr`; returns all the server wrote before it closed the connection
/// (within 5 s: a server that keeps it open fails the test).
pub async fn exchange(addr: SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts connections");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    );
    read.await
        .expect("the server closes the connection")
        .expect("the answer is read");
    String::from_utf8_lossy(&answer).into_owned()
}

/// An address where nothing listens: a port just released by the system.
pub fn closed_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

/// Server flags for a unix domain socket in the temporary directory, its
/// name made of `name` and this test program's process id.
pub fn unix_socket(name: &str) -> ServerArgs {
    let path = std::env::temp_dir().join(format!("hello-{name}-{}.sock", std::process::id()));
    ServerArgs {
        addr: Some(format!("unix:{}", path.display())),
        ..ServerArgs::default()
    }
}

/// Server flags for mutual TLS (`--mtls`), with the development
/// certificates in a directory of this test program's own, made on first
/// use. [`TestServer::start`] gives its client the matching `--mtls`.
pub fn mutual_tls() -> ServerArgs {
    let certs = std::env::temp_dir().join(format!("hello-mtls-{}", std::process::id()));
    ServerArgs {
        mtls: true,
        certs: Some(certs),
        ..ServerArgs::default()
    }
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
