//! A plain TCP proxy, as a layer-4 load balancer is: it balances
//! *connections*, each new one to the next server in turn, and then copies
//! bytes both ways without reading them.
//!
//! For HTTP/1.1 that is enough, since clients open many short connections.
//! gRPC opens one HTTP/2 connection and keeps it for hours, sending every
//! call down it: behind this proxy, all the calls of one client land on one
//! server, and the client cannot tell (it sees one address, the proxy's).
//! "Everything goes to one pod" is this, in Kubernetes with a plain
//! `Service`. The cures: balance in the client (gRPC's policies,
//! `crate::balancer`), or a proxy that speaks HTTP/2 and balances calls
//! (Envoy, Linkerd), or servers that close old connections now and then
//! (`max_connection_age`), so that clients reconnect and the proxy places
//! them again.

use std::{
    fmt,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use plumbing::server::StartError;
use tokio::net::{TcpListener, TcpStream};

use crate::client::SERVERS;

/// Flags of the proxy.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "A plain TCP proxy: each new connection to the next server in turn, bytes copied both ways (a layer-4 load balancer)"
)]
pub struct Args {
    /// Where the proxy listens
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8910")]
    pub addr: String,

    /// A server behind the proxy (repeat it) [default: 127.0.0.1:8911, :8912, :8913]
    #[arg(long, value_name = "HOST:PORT", value_delimiter = ',')]
    pub to: Vec<String>,
}

impl Args {
    /// The servers behind the proxy: `--to`, or the three of the README.
    pub fn backends(&self) -> Vec<String> {
        if self.to.is_empty() {
            SERVERS.map(str::to_owned).to_vec()
        } else {
            self.to.clone()
        }
    }
}

/// What the proxy does with a connection, as it prints it.
#[derive(Debug, Clone)]
pub enum Event {
    /// Connection `number` from `from` goes to server `to`.
    Opened {
        /// Counted from 1.
        number: usize,
        /// The client's address.
        from: SocketAddr,
        /// The server it was given.
        to: String,
    },
    /// Connection `number` closed, after `lasted`, having carried `up`
    /// bytes to the server and `down` back.
    Closed {
        /// Counted from 1.
        number: usize,
        /// How long it was open.
        lasted: Duration,
        /// Bytes client to server.
        up: u64,
        /// Bytes server to client.
        down: u64,
    },
    /// Connection `number` could not reach its server, `to`, and was closed.
    Unreachable {
        /// Counted from 1.
        number: usize,
        /// The server it was given.
        to: String,
        /// Why.
        why: String,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Opened { number, from, to } => {
                write!(f, "connection {number}: {from} -> {to}")
            }
            Event::Closed {
                number,
                lasted,
                up,
                down,
            } => write!(
                f,
                "connection {number}: closed after {} ms ({up} bytes up, {down} down)",
                lasted.as_millis()
            ),
            Event::Unreachable { number, to, why } => {
                write!(f, "connection {number}: cannot reach {to} ({why}); closed")
            }
        }
    }
}

/// Binds the proxy's port (`--addr`, as a server's); a port in use is
/// said in one line, as a server's is.
pub async fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|why| match why.kind() {
            std::io::ErrorKind::AddrInUse => StartError::PortInUse(addr.to_owned()),
            _ => StartError::CannotListen(addr.to_owned(), why),
        })
}

/// Accepts connections on `listener` forever, giving each new one to the
/// next of `backends` in turn, and hands every [`Event`] to `report`.
pub async fn serve(
    listener: TcpListener,
    backends: Vec<String>,
    report: impl Fn(Event) + Clone + Send + 'static,
) {
    let accepted = Arc::new(AtomicUsize::new(0));
    loop {
        let Ok((client, from)) = listener.accept().await else {
            // Out of file descriptors, say: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let number = accepted.fetch_add(1, Ordering::Relaxed) + 1;
        // Round robin, per connection: all a TCP balancer can do.
        let to = backends[(number - 1) % backends.len()].clone();
        tokio::spawn(relay(client, from, number, to, report.clone()));
    }
}

/// Connects connection `number` (from `from`) to the server `to` and
/// copies bytes both ways until either side closes.
async fn relay(
    mut client: TcpStream,
    from: SocketAddr,
    number: usize,
    to: String,
    report: impl Fn(Event),
) {
    let opened = Instant::now();
    let mut server = match TcpStream::connect(&to).await {
        Ok(server) => server,
        Err(why) => {
            let why = why.to_string();
            return report(Event::Unreachable { number, to, why });
        }
    };
    report(Event::Opened { number, from, to });
    // The whole proxy: bytes in, bytes out, none of them read. When one
    // side closes, the other is closed too: a server that ends the
    // connection (max_connection_age) ends the client's as well.
    let (up, down) = tokio::io::copy_bidirectional(&mut client, &mut server)
        .await
        .unwrap_or((0, 0));
    report(Event::Closed {
        number,
        lasted: opened.elapsed(),
        up,
        down,
    });
}
