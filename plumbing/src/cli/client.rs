//! The flags of every client, and of every streaming client.

use std::{path::PathBuf, time::Duration};

use clap::Args;

use crate::Program;

/// Flags of every client, flattened into each crate's own client flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ClientArgs {
    /// Server address HOST:PORT, or unix:PATH; repeat it, or separate with commas, to spread calls over several servers [default: this program's server's port; README lists them all]
    #[arg(long, value_name = "HOST:PORT", value_delimiter = ',')]
    pub addr: Vec<String>,

    /// The pid to send [default: this process's id, as in the note]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub pid: Option<i32>,

    /// Give up on each call after this long: the gRPC deadline
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,

    /// Send `authorization: Bearer TOKEN` on every call
    #[arg(
        long,
        env = "HELLO_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Connect over TLS, trusting the development CA
    #[arg(long)]
    pub tls: bool,

    /// Present the development client certificate (client.pem beside the CA), for a server started with --mtls (implies --tls)
    #[arg(long)]
    pub mtls: bool,

    /// The CA certificate to trust with --tls [default: target/dev-certs/ca.pem]
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Instead of --addr, call the servers registered in the etcd at URL, following them as they come and go (an explicit --addr wins)
    #[arg(
        long,
        env = "HELLO_REGISTRY",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub registry: Option<String>,
}

/// Flags of the three streaming clients, flattened into their own flags.
#[derive(Args, Debug, Clone)]
pub struct StreamArgs {
    /// How many messages to stream
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub count: u32,

    /// Pause between messages, so you can watch them flow: a client that receives a stream asks the server for it, one that sends waits this long between sends
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub interval_ms: u32,
}

impl StreamArgs {
    /// The `--interval-ms` as a [`Duration`].
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.into())
    }

    /// How long the stream takes at the pace asked for: `--interval-ms`
    /// between each of `--count` messages (and no pause before the first).
    pub fn pace(&self) -> Duration {
        self.interval() * self.count.saturating_sub(1)
    }
}

impl ClientArgs {
    /// The pid to put in requests: `--pid`, or this process's id as the
    /// note's client does with `os.getpid()`.
    pub fn pid(&self) -> i32 {
        // Process ids fit in an i32 on every platform Rust supports; the
        // proto field is int32 because the note's is.
        self.pid
            .unwrap_or_else(|| i32::try_from(std::process::id()).unwrap_or(i32::MAX))
    }

    /// The `--timeout-ms` as a [`Duration`], if given.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout_ms.map(Duration::from_millis)
    }

    /// The etcd to find servers in: `--registry` (or `HELLO_REGISTRY`),
    /// unless `--addr` names the servers itself.
    pub fn registry(&self) -> Option<&str> {
        if self.addr.is_empty() {
            self.registry.as_deref()
        } else {
            None
        }
    }

    /// Whether to speak TLS: `--tls`, or `--mtls`, which implies it.
    pub fn speaks_tls(&self) -> bool {
        self.tls || self.mtls
    }

    /// The CA certificate to trust: `--ca`, or the development CA's.
    pub fn ca(&self) -> PathBuf {
        self.ca
            .clone()
            .unwrap_or_else(|| crate::tls::default_dir().join("ca.pem"))
    }

    /// Where the servers are, for messages: `at 127.0.0.1:50051`, or
    /// `registered in etcd at http://127.0.0.1:2379`.
    pub fn target(&self, program: Program) -> String {
        match self.registry() {
            Some(url) => format!("registered in etcd at {url}"),
            None => format!("at {}", self.addrs(program).join(", ")),
        }
    }

    /// The addresses to dial: `--addr`, or this program's default.
    pub fn addrs(&self, program: Program) -> Vec<String> {
        if self.addr.is_empty() {
            vec![program.default_addr.to_owned()]
        } else {
            self.addr.clone()
        }
    }
}
