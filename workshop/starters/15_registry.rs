//! Exercise 15: a registry in etcd.
//!
//! Goal: a server that announces itself (a lease in etcd with a TTL, kept
//! alive, and its address put under a key prefix with that lease; the
//! lease revoked when it stops), and a client that follows the registry:
//! it lists the prefix at each call and calls a registered server that
//! answers, so it never calls one that has gone away.
//!
//! A list of addresses is fixed when a client starts; a registry changes
//! while everything runs. etcd keeps it with *leases*: timers in etcd that
//! a server renews, and the keys written under a lease go when it goes. A
//! server that stops revokes its lease, and its key goes at once; a server
//! that is killed stops renewing, and its key goes when the TTL runs out.
//! Until then a client can find a key whose server is gone: it tries the
//! next. `etcd-registry` does the talking to etcd (its `Gateway`); you make
//! the calls that matter. The README's section Registry is the full story.
//!
//! Check: cargo run -p workshop -- check 15 (it starts an etcd of its own)

use std::{net::SocketAddr, time::Duration};

use etcd_registry::{EtcdError, Gateway};
use tokio::task::JoinHandle;
use tonic::{
    Code, Request, Response, Status,
    transport::{Channel, Endpoint},
};

use crate::pb::{HelloReply, HelloRequest, member_client::MemberClient, member_server::Member};

/// Where the servers are: a server at ADDR writes the key `{PREFIX}{ADDR}`,
/// with ADDR as its value.
pub const PREFIX: &str = "/workshop/members/";

/// How long a lease lives unless it is renewed. (etcd rounds it up to its
/// minimum, 1.5 election timeouts: 2 s with etcd's default settings; the
/// check runs an etcd whose minimum is 1 s.)
pub const TTL: Duration = Duration::from_secs(1);

/// How long a client tries to reach one registered server before it tries
/// the next.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Given: the server that announces itself, which answers with its address.
#[derive(Debug)]
pub struct MemberService {
    /// Where it listens: what it announces.
    pub addr: SocketAddr,
}

#[tonic::async_trait]
impl Member for MemberService {
    /// "hello NAME, this is ADDR".
    async fn whoami(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(HelloReply {
            message: format!("hello {name}, this is {}", self.addr),
        }))
    }
}

/// A server's place in the registry: its lease, kept alive by a task.
#[derive(Debug)]
pub struct Announcement {
    /// The etcd the lease is in.
    gateway: Gateway,
    /// The lease the key was written under.
    lease: i64,
    /// The task that renews the lease.
    keep_alive: JoinHandle<()>,
}

/// Announces the server at `addr`: a lease of [`TTL`], the key
/// `{PREFIX}{addr}` with the value `addr` written under it, and a task
/// that renews the lease every third of the TTL, until [`Announcement::withdraw`].
pub async fn announce(gateway: Gateway, addr: SocketAddr) -> Result<Announcement, EtcdError> {
    // TODO(15): grant a lease of TTL (gateway.grant takes seconds); put
    // the key `{PREFIX}{addr}`, with `addr` as its value, under that lease;
    // then spawn a task that renews it (gateway.keep_alive) every TTL / 3,
    // on a clone of the gateway, and stops once the lease is gone
    // (keep_alive says Ok(false)). Return the Announcement.
    todo!("announce the server under a lease, and keep the lease alive")
}

impl Announcement {
    /// Takes the server out of the registry now: stops renewing, and
    /// revokes the lease, which makes etcd delete its key at once.
    pub async fn withdraw(self) -> Result<(), EtcdError> {
        // TODO(15): stop the renewing task (abort its JoinHandle), then
        // revoke the lease: etcd deletes its key at once.
        todo!("withdraw: stop renewing, revoke the lease")
    }
}

/// Calls `whoami` on a server registered now, and returns its reply.
///
/// Lists [`PREFIX`] at each call (servers come and go) and tries each
/// registered server in the order listed: one that cannot be reached
/// (killed, its key not yet expired) is skipped. UNAVAILABLE when no
/// registered server answers, or nobody is registered.
pub async fn call_registered(gateway: &Gateway, name: &str) -> Result<String, Status> {
    // TODO(15): list PREFIX (gateway.list gives the keys and values, and
    // a revision you do not need here). For each entry, in that order:
    // connect(&entry.value); skip one that cannot be reached, or answers
    // UNAVAILABLE; return the first reply's message. Nobody answered (or
    // nobody is registered): Err(Status::unavailable(...)).
    todo!("call a server registered now")
}

/// Given: a client to the server at `addr` (HOST:PORT), connected now, or
/// an error within [`CONNECT_TIMEOUT`].
pub async fn connect(addr: &str) -> Result<MemberClient<Channel>, tonic::transport::Error> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await?;
    Ok(MemberClient::new(channel))
}
