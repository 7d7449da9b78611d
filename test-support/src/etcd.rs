//! A real etcd, started and stopped by the registry's tests.

use std::{path::PathBuf, process::Child, time::Duration};

/// How often to ask a starting etcd whether it answers yet.
const READY_POLL: Duration = Duration::from_millis(100);
/// How many times to ask before giving up (20 s in all).
const READY_POLLS: u32 = 200;

/// A real etcd for the registry's tests: a child process on free loopback
/// ports, its data in a temporary directory, stopped when dropped.
///
/// Needs the `etcd` program on the PATH, or its path in `ETCD`: see the
/// README, section Registry. It runs with short Raft timers so that leases
/// as short as one second work, as the tests need.
#[derive(Debug)]
pub struct EtcdProcess {
    /// The running process, if started.
    child: Option<Child>,
    /// The port clients (and the JSON gateway) use.
    client_port: u16,
    /// The port etcd members talk to each other on (unused by us, but bound).
    peer_port: u16,
    /// Where this etcd keeps its data.
    data_dir: PathBuf,
}

impl EtcdProcess {
    /// Starts an etcd and returns once it answers requests.
    pub async fn start() -> EtcdProcess {
        let client_port = crate::closed_addr().port();
        let peer_port = crate::closed_addr().port();
        let data_dir =
            std::env::temp_dir().join(format!("hello-etcd-{}-{client_port}", std::process::id()));
        let mut etcd = EtcdProcess {
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
        let gateway = etcd_registry::Gateway::new(&client).expect("a valid URL");
        for _ in 0..READY_POLLS {
            if gateway.list("/").await.is_ok() {
                return;
            }
            tokio::time::sleep(READY_POLL).await;
        }
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let last = log.lines().last().unwrap_or("(no log)");
        panic!("etcd did not start answering at {client} within 20 s; its log ends with: {last}");
    }
}

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let _ = std::fs::remove_file(self.data_dir.with_extension("log"));
    }
}
