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

/// A real etcd for the registry's tests: a child process on free loopback
/// ports, its data in a temporary directory, stopped when dropped.
///
/// Needs the `etcd` program on the PATH, or its path in `ETCD`: see the
/// README, section Registry. It runs with short Raft timers so that leases
/// as short as one second work, as the tests need.
#[derive(Debug)]
pub struct Etcd {
    /// The running process, if started.
    child: Option<std::process::Child>,
    /// The port clients (and the JSON gateway) use.
    client_port: u16,
    /// The port etcd members talk to each other on (unused by us, but bound).
    peer_port: u16,
    /// Where this etcd keeps its data.
    data_dir: std::path::PathBuf,
}

impl Etcd {
    /// Starts an etcd and returns once it answers requests.
    pub async fn start() -> Etcd {
        let client_port = closed_addr().port();
        let peer_port = closed_addr().port();
        let data_dir =
            std::env::temp_dir().join(format!("hello-etcd-{}-{client_port}", std::process::id()));
        let mut etcd = Etcd {
            child: None,
            client_port,
            peer_port,
            data_dir,
        };
        etcd.start_empty().await;
        etcd
    }

    /// The URL to pass as `--registry`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Kills etcd at once, as a crash would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts etcd (again) on the same ports with no data at all, as if it
    /// had been replaced: whatever was registered must register again.
    pub async fn start_empty(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let program = std::env::var_os("ETCD").unwrap_or_else(|| "etcd".into());
        let client = self.url();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        // etcd's log, to explain a start that fails.
        let log_path = self.data_dir.with_extension("log");
        let log = std::fs::File::create(&log_path).ok();
        let child = std::process::Command::new(&program)
            .arg("--name=hello-test")
            .arg(format!("--data-dir={}", self.data_dir.display()))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=hello-test={peer}"))
            // Raft's timers, 10× shorter than the defaults: etcd rounds a
            // lease's TTL up to 1.5 election timeouts, so this allows 1 s.
            .args(["--heartbeat-interval=10", "--election-timeout=100"])
            .stdout(std::process::Stdio::null())
            .stderr(log.map_or_else(std::process::Stdio::null, Into::into))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {}: {e}; install etcd (README, section Registry) or set ETCD",
                    program.display()
                )
            });
        self.child = Some(child);

        // Ready when a read succeeds; give up after 20 s.
        let gateway = crate::registry::etcd::Etcd::new(&client).expect("a valid URL");
        for _ in 0..200 {
            if gateway.list("/").await.is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let last = log.lines().last().unwrap_or("(no log)");
        panic!("etcd did not start answering at {client} within 20 s; its log ends with: {last}");
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let _ = std::fs::remove_file(self.data_dir.with_extension("log"));
    }
}
