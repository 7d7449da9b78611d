//! Out of file descriptors: every accept loop of the server pauses after a
//! failed `accept` instead of spinning.
//!
//! When a process has used up its file descriptors, `accept` fails ("too
//! many open files") and leaves the waiting connection in the kernel's
//! queue, so the listener is ready again at once: a loop that simply tries
//! again runs a core at full speed (and, if it logs each failure, writes a
//! hundred thousand lines a second) until a connection closes somewhere.
//!
//! Each test starts this topic's server under `ulimit -n 64` (in a child
//! process: the limit belongs to a process, and must not touch the tests'),
//! connects more times than it can accept to one of its three kinds of
//! listener (`/metrics`, gRPC over TCP, gRPC over a unix socket), sending
//! nothing; once the server holds all 64 descriptors, it measures the CPU
//! time the server uses in one second. A spinning loop uses most of that
//! second; a pausing one, almost none, and logs one line a pause.
//!
//! The child process is this test program itself, running only
//! [`the_server_of_a_child_process`], which serves as the `server` binary
//! does (`server::run`). Not the binary: several crates of the workspace
//! have one named `server`, and Cargo puts each at `target/debug/server`,
//! so which one is there depends on what was built last (and unit tests,
//! unlike a file in `tests/`, make Cargo build no binary at all).
//!
//! Linux only: the descriptors and the CPU time are read in `/proc`.

#![cfg(target_os = "linux")]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

use clap::Parser as _;

use crate::server;

/// The server's file descriptor limit.
const FD_LIMIT: usize = 64;

/// How many connections the test opens: more than the server can accept.
const CONNECTIONS: usize = 100;

/// How long the server's CPU time is measured once it is at the limit.
const WINDOW: Duration = Duration::from_secs(1);

/// The CPU time the server may use in [`WINDOW`]: a tenth of it. Pausing,
/// the server used 0 to 10 ms; spinning (before the fix), 470 to 950 ms on
/// a 2-core machine (the less, the more servers spun at once).
const MOST_CPU: Duration = Duration::from_millis(100);

/// The accept loops pause 100 ms after a failure: about 10 lines in the
/// window. The metrics loop, spinning, logged 36,983.
const MOST_ACCEPT_ERRORS: usize = 30;

/// What a failed `accept` logs, in both the plumbing's loops and the
/// metrics server's.
const ACCEPT_ERROR: &str = "cannot accept a connection";

/// The variable that makes this program the child: the server's flags.
const SERVE_WITH: &str = "FD_LIMIT_SERVE_WITH";

/// The child's test, by its full name (for the harness's `--exact`).
const CHILD_TEST: &str = "fd_limit::the_server_of_a_child_process";

/// In the child process (with [`SERVE_WITH`] set): serves as the `server`
/// binary does, with those flags, until the test kills it. In a normal
/// run of the tests, it has nothing to do.
#[test]
fn the_server_of_a_child_process() {
    let Ok(flags) = std::env::var(SERVE_WITH) else {
        return;
    };
    let args = server::Args::parse_from(std::iter::once("server").chain(flags.split(' ')));
    plumbing::logging::init("info");
    server::run(&args);
}

/// The server binary, started under the limit; killed when dropped.
struct LimitedServer {
    /// The `sh` that set the limit and became the server (`exec`): one pid.
    child: Child,
    /// Where its `/metrics` listens.
    metrics: String,
    /// Where its gRPC port listens, as its log says it (`http://HOST:PORT`
    /// or `unix:PATH`).
    grpc: String,
    /// How many lines of its log said an `accept` failed, so far.
    accept_errors: Arc<AtomicUsize>,
}

impl LimitedServer {
    /// Starts the server with its gRPC port on `addr` and `/metrics` on a
    /// free port, and a handshake timeout long enough that no connection
    /// is closed while the test measures.
    fn start(addr: &str) -> LimitedServer {
        // `--metrics-addr` takes no port 0 (a client must be able to dial
        // it): a port the system just gave out, and freed.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let metrics_addr = free.local_addr().unwrap().to_string();
        drop(free);
        let flags =
            format!("--addr {addr} --metrics-addr {metrics_addr} --handshake-timeout-ms 60000");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {FD_LIMIT} && exec \"$0\" \"$@\""))
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", CHILD_TEST, "--nocapture"])
            .env(SERVE_WITH, flags)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh starts the server");
        // The log is read to its end, by a thread of its own: a server
        // whose stderr pipe is full would block on its next line.
        let stderr = child.stderr.take().unwrap();
        let accept_errors = Arc::new(AtomicUsize::new(0));
        let (lines, startup) = mpsc::channel();
        let counted = Arc::clone(&accept_errors);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains(ACCEPT_ERROR) {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
                // Nobody listens once the server has started: ignored.
                let _ = lines.send(line);
            }
        });
        let mut metrics = None;
        let mut grpc = None;
        while metrics.is_none() || grpc.is_none() {
            let line = startup
                .recv_timeout(Duration::from_secs(20))
                .expect("the server logs where it listens");
            if let Some(rest) = line.split_once("metrics on http://") {
                metrics = rest
                    .1
                    .split_once("/metrics")
                    .map(|(addr, _)| addr.to_owned());
            }
            if let Some(rest) = line.split_once("server listening on ") {
                grpc = rest.1.split_whitespace().next().map(str::to_owned);
            }
        }
        LimitedServer {
            child,
            metrics: metrics.unwrap(),
            grpc: grpc.unwrap(),
            accept_errors,
        }
    }

    /// The file descriptors the server has open.
    fn open_fds(&self) -> usize {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).unwrap();
        fds.count()
    }

    /// Waits (up to 20 s) until the server holds all its descriptors.
    fn wait_for_the_limit(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.open_fds() < FD_LIMIT {
            assert!(
                Instant::now() < deadline,
                "the server holds {} descriptors, not {FD_LIMIT}",
                self.open_fds()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The CPU time the server has used so far (all its threads).
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // After the command's name, in parentheses: the state is field 3,
        // user time 14 and system time 15, in clock ticks.
        let (_, fields) = stat.rsplit_once(')').unwrap();
        let fields: Vec<&str> = fields.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 1000 / clock_ticks_per_second())
    }

    /// At the limit: the CPU time used, and the failed `accept`s logged,
    /// in [`WINDOW`].
    fn measure_at_the_limit(&self) -> (Duration, usize) {
        self.wait_for_the_limit();
        let (cpu, errors) = (self.cpu_time(), self.accept_errors.load(Ordering::Relaxed));
        std::thread::sleep(WINDOW);
        let cpu = self.cpu_time() - cpu;
        (cpu, self.accept_errors.load(Ordering::Relaxed) - errors)
    }
}

impl Drop for LimitedServer {
    /// Kills the server, and removes its unix socket's file, which a
    /// killed server leaves behind (also when the test failed).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = self.grpc.strip_prefix("unix:") {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The kernel's clock ticks per second (the unit of `/proc/PID/stat`'s
/// times): 100 on every Linux we know, asked for all the same.
fn clock_ticks_per_second() -> u64 {
    let output = Command::new("getconf").arg("CLK_TCK").output();
    let text = output.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    text.ok().and_then(|t| t.parse().ok()).unwrap_or(100)
}

/// Asserts the server paused at the limit: little CPU, one log line a pause.
fn assert_paused(listener: &str, (cpu, errors): (Duration, usize)) {
    assert!(
        cpu < MOST_CPU,
        "{listener}: the server used {cpu:?} of CPU in {WINDOW:?} at the descriptor limit: its accept loop spins"
    );
    assert!(
        (1..=MOST_ACCEPT_ERRORS).contains(&errors),
        "{listener}: {errors} failed accepts logged in {WINDOW:?}"
    );
}

#[test]
fn at_the_descriptor_limit_the_metrics_accept_loop_pauses() {
    let server = LimitedServer::start("127.0.0.1:0");
    let connections: Vec<_> = (0..CONNECTIONS)
        .map(|_| std::net::TcpStream::connect(&server.metrics).unwrap())
        .collect();
    assert_paused("/metrics", server.measure_at_the_limit());
    drop(connections);
}

#[test]
fn at_the_descriptor_limit_the_grpc_accept_loop_pauses() {
    let server = LimitedServer::start("127.0.0.1:0");
    let addr = server.grpc.strip_prefix("http://").unwrap().to_owned();
    let connections: Vec<_> = (0..CONNECTIONS)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    assert_paused("gRPC over TCP", server.measure_at_the_limit());
    drop(connections);
}

#[test]
fn at_the_descriptor_limit_the_unix_socket_accept_loop_pauses() {
    let path = std::env::temp_dir().join(format!("hello-fd-limit-{}.sock", std::process::id()));
    let server = LimitedServer::start(&format!("unix:{}", path.display()));
    assert_eq!(server.grpc, format!("unix:{}", path.display()));
    let connections: Vec<_> = (0..CONNECTIONS)
        .map(|_| std::os::unix::net::UnixStream::connect(&path).unwrap())
        .collect();
    assert_paused("gRPC over a unix socket", server.measure_at_the_limit());
    drop(connections);
}
