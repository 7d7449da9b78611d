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
    // The lease first: the key written with it lives as long as it does,
    // so a server that dies without a word leaves no key behind for long.
    let lease = gateway.grant(TTL.as_secs()).await?;
    gateway
        .put(&format!("{PREFIX}{addr}"), &addr.to_string(), lease)
        .await?;
    // Renewed three times per TTL: two renewals can fail (a slow network,
    // a busy etcd) before the key expires.
    let renewer = gateway.clone();
    let keep_alive = tokio::spawn(async move {
        loop {
            tokio::time::sleep(TTL / 3).await;
            match renewer.keep_alive(lease).await {
                // Renewed; or etcd did not answer this time: try again.
                Ok(true) | Err(_) => {}
                // The lease is gone, and its key with it. (etcd-registry's
                // announce.rs writes it again under a new lease.)
                Ok(false) => break,
            }
        }
    });
    Ok(Announcement {
        gateway,
        lease,
        keep_alive,
    })
}

impl Announcement {
    /// Takes the server out of the registry now: stops renewing, and
    /// revokes the lease, which makes etcd delete its key at once.
    pub async fn withdraw(self) -> Result<(), EtcdError> {
        self.keep_alive.abort();
        self.gateway.revoke(self.lease).await
    }
}

/// Calls `whoami` on a server registered now, and returns its reply.
///
/// Lists [`PREFIX`] at each call (servers come and go) and tries each
/// registered server in the order listed: one that cannot be reached
/// (killed, its key not yet expired) is skipped. UNAVAILABLE when no
/// registered server answers, or nobody is registered.
pub async fn call_registered(gateway: &Gateway, name: &str) -> Result<String, Status> {
    let (entries, _revision) = (gateway.list(PREFIX).await)
        .map_err(|e| Status::unavailable(format!("cannot read the registry: {e}")))?;
    for entry in entries {
        let Ok(mut client) = connect(&entry.value).await else {
            continue; // gone, and its key not expired yet: the next one
        };
        let request = HelloRequest {
            name: name.to_owned(),
        };
        match client.whoami(request).await {
            Ok(reply) => return Ok(reply.into_inner().message),
            // It went away between the connection and the call.
            Err(status) if status.code() == Code::Unavailable => continue,
            Err(status) => return Err(status),
        }
    }
    Err(Status::unavailable(format!(
        "no server registered under {PREFIX} answers"
    )))
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
