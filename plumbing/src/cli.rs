//! The flags every server and client accepts, parsed by `clap`.
//!
//! Each flag is a field; its `///` comment becomes the `--help` text. Each
//! lesson crate's client adds its own few flags (`--count`, ...) and pulls
//! these in with `#[command(flatten)]`.

mod client;

use std::{path::PathBuf, time::Duration};

use clap::{Parser, builder::TypedValueParser as _};

pub use client::{ClientArgs, StreamArgs};

/// The largest message a server accepts or sends, by default: 4 MiB,
/// gRPC's customary limit.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Flags of every server (`cargo run -p <crate> --bin server -- --help`).
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(about = "A hello.DoStuff gRPC server")]
pub struct ServerArgs {
    /// Address to listen on, HOST:PORT, or unix:PATH for a unix domain socket [default: this program's own port; README lists them all]
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,

    /// Runtime worker threads: the note's ThreadPoolExecutor(max_workers=N) [default: number of CPUs]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,

    /// Wait this long before each reply (and each streamed message), to watch deadlines expire
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub delay_ms: u64,

    /// Demand `authorization: Bearer TOKEN` on every hello.DoStuff call
    #[arg(
        long,
        env = "HELLO_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Serve over TLS, with a development certificate made on first use
    #[arg(long)]
    pub tls: bool,

    /// Also require a client certificate signed by the development CA (mutual TLS; implies --tls)
    #[arg(long)]
    pub mtls: bool,

    /// Where the development CA and server certificate live [default: target/dev-certs]
    #[arg(long, value_name = "DIR")]
    pub certs: Option<PathBuf>,

    /// On Ctrl-C, how long calls in flight may take to finish before they are cancelled
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub grace_ms: u64,

    /// The largest message accepted or sent; a bigger request fails with RESOURCE_EXHAUSTED, a bigger reply with OUT_OF_RANGE
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    pub max_message_bytes: usize,

    /// How many calls (HTTP/2 streams) one connection may have open at once
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_streams: u32,

    /// How many calls of one connection may be running a handler at once; the rest wait their turn
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    pub max_calls_per_connection: usize,

    /// Ping a connection that has been quiet this long; close it if the ping goes unanswered
    #[arg(long, value_name = "MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_ms: u64,

    /// Close a new connection that has not started speaking gRPC (or TLS) within this long
    #[arg(long, value_name = "MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub handshake_timeout_ms: u64,

    /// Announce this server in the etcd at URL (e.g. http://127.0.0.1:2379), so clients find it
    #[arg(
        long,
        env = "HELLO_REGISTRY",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub registry: Option<String>,

    /// With --registry: the lease's time to live; a killed server's entry disappears after this long
    #[arg(long, value_name = "S", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub registry_ttl_s: u64,
}

impl Default for ServerArgs {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            addr: None,
            workers: None,
            delay_ms: 0,
            token: None,
            tls: false,
            mtls: false,
            certs: None,
            grace_ms: 5000,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_concurrent_streams: 1024,
            max_calls_per_connection: 256,
            keepalive_ms: 30_000,
            handshake_timeout_ms: 10_000,
            registry: None,
            registry_ttl_s: 10,
        }
    }
}

impl ServerArgs {
    /// The `--delay-ms` as a [`Duration`].
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }

    /// Whether the server speaks TLS: `--tls`, or `--mtls`, which implies it.
    pub fn speaks_tls(&self) -> bool {
        self.tls || self.mtls
    }

    /// The `--grace-ms` as a [`Duration`].
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms)
    }

    /// The `--keepalive-ms` as a [`Duration`].
    pub fn keepalive(&self) -> Duration {
        Duration::from_millis(self.keepalive_ms)
    }

    /// The `--handshake-timeout-ms` as a [`Duration`].
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }

    /// The `--registry-ttl-s` as a [`Duration`].
    pub fn registry_ttl(&self) -> Duration {
        Duration::from_secs(self.registry_ttl_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_defaults_are_the_flags_defaults() {
        let parsed = ServerArgs::try_parse_from(["server"]).unwrap();
        // HELLO_TOKEN in the environment would set a token; that is expected.
        assert_eq!(
            ServerArgs {
                token: parsed.token.clone(),
                ..ServerArgs::default()
            },
            parsed
        );
    }
}
