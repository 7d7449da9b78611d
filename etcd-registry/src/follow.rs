//! A client's side: a balancing channel that follows the servers
//! registered under a prefix as they join and leave, keeping only those
//! that answer their health checks.

mod health;
mod servers;

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tonic::{
    Status,
    transport::{Channel, Endpoint},
};

use crate::{
    entry::Entry,
    gateway::{EtcdError, Gateway},
};
use servers::Servers;

/// How long a new client waits for one of the registered servers to answer.
const FIRST_ANSWER: Duration = Duration::from_secs(5);

/// How long to wait before asking again: etcd after losing it, a server's
/// health after it stopped answering.
const RETRY: Duration = Duration::from_secs(1);

/// How many endpoint changes may wait for tonic's balancer to take them.
const CHANGES_CAPACITY: usize = 16;

/// A change in the servers a [`follow`]ed channel sends calls to, for the
/// caller to show as it likes. Nothing here prints.
#[derive(Debug)]
pub enum Membership {
    /// A registered server answered its health check: calls go to it now.
    Joined {
        /// Its address, HOST:PORT.
        addr: String,
    },
    /// A server left: calls no longer go to it.
    Left {
        /// Its address, HOST:PORT.
        addr: String,
        /// `false`: its key went (it deregistered, or its lease expired);
        /// `true`: it stopped answering, while its key stays in etcd until
        /// its lease expires (it was killed, say).
        stopped_answering: bool,
    },
    /// The last server left: calls wait until one joins.
    NoneAnswers,
    /// A registered server has never answered its health check.
    Silent {
        /// Its address, HOST:PORT.
        addr: String,
        /// What the check got instead (a TLS mismatch, say).
        status: Status,
    },
    /// A registered server cannot be dialled: `dial` refused its entry.
    CannotDial {
        /// Its address, HOST:PORT.
        addr: String,
        /// Why, as `dial` said.
        why: String,
    },
    /// The watch on etcd broke: calls go on to the servers known so far.
    RegistryLost {
        /// What broke.
        error: EtcdError,
        /// How many servers are known, and keep getting calls.
        known: usize,
    },
    /// etcd answers again: the registry was read afresh.
    RegistryBack,
}

/// Why [`follow`] could not give a channel.
#[derive(Debug)]
pub enum FollowError {
    /// etcd could not be read.
    Etcd(EtcdError),
    /// Nothing is registered under the prefix.
    NoneRegistered,
    /// Servers are registered, but none answered within a few seconds.
    NoneAnswers {
        /// How many are registered.
        registered: usize,
        /// Those whose health check failed, and how: a server that is down,
        /// or one that does not speak what its entry says (TLS or not).
        silent: Vec<(String, Status)>,
    },
}

impl std::fmt::Display for FollowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FollowError::Etcd(error) => write!(f, "{error}"),
            FollowError::NoneRegistered => f.write_str("no server is registered"),
            FollowError::NoneAnswers { registered, .. } => {
                write!(f, "{registered} server(s) registered, but none answers")
            }
        }
    }
}

impl std::error::Error for FollowError {}

/// A channel that follows the registry, and the changes it goes through.
#[derive(Debug)]
pub struct Following {
    /// Calls on it go to one of the servers registered and answering now.
    pub channel: Channel,
    /// Each change, as it happens; the first joins are already in it.
    pub changes: mpsc::UnboundedReceiver<Membership>,
}

/// A channel to every server registered under `prefix` in `gateway`'s etcd
/// that answers, which follows them as they join and leave.
///
/// `dial` turns a registered server into a tonic [`Endpoint`] (scheme, TLS,
/// timeouts). Each server joins once it answers SERVING for
/// `health_service` (the `grpc.health.v1` name of the service called), and
/// leaves when its key goes or it stops answering. Fails if etcd cannot be
/// read, if nothing is registered, or if none of those registered answers
/// within a few seconds.
pub async fn follow(
    gateway: Gateway,
    prefix: &str,
    health_service: &str,
    dial: impl Fn(&Entry) -> Result<Endpoint, String> + Send + 'static,
) -> Result<Following, FollowError> {
    let (entries, revision) = gateway.list(prefix).await.map_err(FollowError::Etcd)?;
    if entries.is_empty() {
        return Err(FollowError::NoneRegistered);
    }

    // tonic's balancing channel: calls go to one of its endpoints, and the
    // `endpoints` sender adds and removes endpoints while it runs.
    let (channel, endpoints) = Channel::balance_channel(CHANGES_CAPACITY);
    let (health, reports) = mpsc::channel(CHANGES_CAPACITY);
    let (members, mut in_channel) = watch::channel(0);
    let (changes, mut changes_seen) = mpsc::unbounded_channel();
    let mut servers = Servers::new(endpoints, dial, health_service, health, members, changes);
    servers.sync(entries).await;
    let registered = servers.count_registered();
    tokio::spawn(servers.follow(gateway, prefix.to_owned(), revision + 1, reports));

    // A server joins the channel once it answers its health check: wait for
    // the first, so that the first call has somewhere to go.
    let first = tokio::time::timeout(FIRST_ANSWER, in_channel.wait_for(|&n| n > 0)).await;
    match first {
        Ok(Ok(_)) => Ok(Following {
            channel,
            changes: changes_seen,
        }),
        _ => {
            // Why none answered: what their health checks got instead.
            let silent = std::iter::from_fn(|| changes_seen.try_recv().ok())
                .filter_map(|change| match change {
                    Membership::Silent { addr, status } => Some((addr, status)),
                    _ => None,
                })
                .collect();
            Err(FollowError::NoneAnswers { registered, silent })
        }
    }
}
