//! A real etcd for exercise 15's check: a child process on free loopback
//! ports, its data in a temporary directory, stopped when dropped.
//!
//! The workshop cannot use `test-support` (a crate for the workspace's
//! tests), so this is its own small version of `test-support/src/etcd.rs`,
//! with two differences a student's machine needs: a missing `etcd` is
//! explained (how to install it, one line per system), and readiness is
//! read from etcd's own log, not polled: etcd says `ready to serve client
//! requests` once it has a leader, and the check starts then.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use tokio::sync::oneshot;
use workshop::text::checks as t;

/// What etcd writes to its log once it can take requests.
const READY: &str = "ready to serve client requests";

/// How long etcd gets to say it is ready: far more than it takes.
const START_LIMIT: Duration = Duration::from_secs(15);

/// A running etcd, killed (and its data removed) when dropped.
#[derive(Debug)]
pub struct Etcd {
    /// The process.
    child: Child,
    /// The port of its clients, and of its JSON gateway.
    client_port: u16,
    /// Where it keeps its data.
    data_dir: PathBuf,
}

impl Etcd {
    /// Starts an etcd and returns once it says it serves clients; the error
    /// is the check's words (how to install etcd, when it is missing).
    pub async fn start() -> Result<Etcd, String> {
        // Two free ports: bound by us, read, then let go for etcd. Both are
        // held until both are known, so they cannot be the same one.
        let free = || std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
        let (client, peer) = match (free(), free()) {
            (Ok(client), Ok(peer)) => (client.port(), peer.port()),
            (Err(e), _) | (_, Err(e)) => return Err(t::CANNOT_LISTEN.with(&[("error", &e)])),
        };
        let data_dir =
            std::env::temp_dir().join(format!("workshop-etcd-{}-{client}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let program = std::env::var_os("ETCD").unwrap_or_else(|| "etcd".into());
        let client_url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let spawned = Command::new(&program)
            .arg("--name=workshop")
            .arg(format!("--data-dir={}", data_dir.display()))
            .arg(format!("--listen-client-urls={client_url}"))
            .arg(format!("--advertise-client-urls={client_url}"))
            .arg(format!("--listen-peer-urls={peer_url}"))
            .arg(format!("--initial-advertise-peer-urls={peer_url}"))
            .arg(format!("--initial-cluster=workshop={peer_url}"))
            // Raft's timers, 10 times shorter than etcd's defaults: etcd
            // rounds a lease's TTL up to 1.5 election timeouts, so this
            // allows the exercise's TTL of 1 s, and the check is quick.
            .args(["--heartbeat-interval=10", "--election-timeout=100"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(t::E15_NO_ETCD.with(&[("program", &program.display())]));
            }
            Err(e) => {
                let error = workshop::text::os_error(&e);
                return Err(
                    t::E15_ETCD_FAILED.with(&[("program", &program.display()), ("error", &error)])
                );
            }
        };
        let etcd_stderr = child.stderr.take();
        let etcd = Etcd {
            child,
            client_port: client,
            data_dir,
        };

        // etcd's log, read on a thread of its own (a pipe is read by
        // blocking): it says when etcd is ready, or, if etcd ends first,
        // its last line says why.
        let (ready, is_ready) = oneshot::channel::<Result<(), String>>();
        if let Some(stderr) = etcd_stderr {
            std::thread::spawn(move || {
                let mut ready = Some(ready);
                let mut last = String::new();
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if line.contains(READY) {
                        if let Some(ready) = ready.take() {
                            let _ = ready.send(Ok(()));
                        }
                    } else if !line.trim().is_empty() {
                        last = line;
                    }
                    // Read on after ready: a full pipe would stop etcd.
                }
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(last));
                }
            });
        }
        let said = match tokio::time::timeout(START_LIMIT, is_ready).await {
            Ok(Ok(said)) => said,
            Ok(Err(_)) => Err(String::new()),
            Err(_) => Err(format!("no `{READY}` within {} s", START_LIMIT.as_secs())),
        };
        said.map_err(|last| t::E15_ETCD_NOT_READY.with(&[("url", &client_url), ("last", &last)]))?;
        Ok(etcd)
    }

    /// Its clients' URL, `http://127.0.0.1:PORT`: what a `Gateway` is given.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
