//! A client's side: a balancing channel that follows the servers
//! registered under a prefix as they join and leave, keeping only those
//! that answer their health checks.

use std::{collections::HashMap, time::Duration};

use tokio::{
    sync::{mpsc, watch},
    task::AbortHandle,
};
use tonic::{
    Code, Status,
    transport::{Channel, Endpoint, channel::Change},
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::{
    entry::Entry,
    gateway::{EtcdError, Event, Gateway, KeyValue},
};

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
    let mut servers = Servers {
        endpoints,
        dial,
        health_service: health_service.to_owned(),
        known: HashMap::new(),
        health,
        members,
        changes,
        generation: 0,
    };
    servers.sync(entries).await;
    let registered = servers.known.len();
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

/// What a health-checking task says about one registered server.
#[derive(Debug, Clone)]
struct Health {
    /// The server's key in etcd.
    key: String,
    /// Which registration of that key the task checks: a report from the
    /// task of an earlier one, still queued when it was stopped, is ignored.
    generation: u64,
    /// Whether it answers SERVING now.
    serving: bool,
}

/// A registered server, as a client knows it.
#[derive(Debug)]
struct Known {
    /// What it registered.
    entry: Entry,
    /// How to reach it.
    endpoint: Endpoint,
    /// Whether it is in the channel now (it answered SERVING).
    in_channel: bool,
    /// The task that watches its health.
    checker: AbortHandle,
    /// Tells this registration's health reports from earlier ones'.
    generation: u64,
}

/// The servers a client knows of, and the balancing channel's controls.
///
/// One task owns all of this: it applies the registry's changes and the
/// health checks' reports one at a time, so they never race.
struct Servers<D> {
    /// Where we tell the channel that an endpoint joined or left.
    endpoints: mpsc::Sender<Change<String, Endpoint>>,
    /// Turns a registered server into an endpoint.
    dial: D,
    /// The service whose health decides whether a server gets calls.
    health_service: String,
    /// Every server registered now, by key.
    known: HashMap<String, Known>,
    /// Where health-checking tasks report; cloned into each of them.
    health: mpsc::Sender<Health>,
    /// How many servers are in the channel now, for [`follow`] to wait on;
    /// always counted from `known`, never kept by hand.
    members: watch::Sender<usize>,
    /// Where each membership change goes, for the caller.
    changes: mpsc::UnboundedSender<Membership>,
    /// The generation of the latest registration seen.
    generation: u64,
}

impl<D: Fn(&Entry) -> Result<Endpoint, String>> Servers<D> {
    /// Watches the registry from `revision` on, and the health reports, and
    /// applies each change. If the watch breaks (etcd stopped), keeps the
    /// servers known, and once etcd answers again, lists the keys anew and
    /// goes on watching.
    async fn follow(
        mut self,
        gateway: Gateway,
        prefix: String,
        mut revision: i64,
        mut reports: mpsc::Receiver<Health>,
    ) {
        loop {
            let ended = match gateway.watch(&prefix, revision).await {
                Ok(mut watch) => loop {
                    tokio::select! {
                        // The client is gone (its channel dropped): stop.
                        () = self.endpoints.closed() => return self.stop(),
                        Some(report) = reports.recv() => self.health_changed(report).await,
                        events = watch.next() => match events {
                            Ok(events) => self.apply(events).await,
                            Err(e) => break e,
                        },
                    }
                },
                Err(e) => e,
            };
            self.tell(Membership::RegistryLost {
                error: ended,
                known: self.known.len(),
            });
            loop {
                let retry = tokio::select! {
                    () = self.endpoints.closed() => return self.stop(),
                    Some(report) = reports.recv() => {
                        self.health_changed(report).await;
                        false
                    }
                    () = tokio::time::sleep(RETRY) => true,
                };
                if !retry {
                    continue;
                }
                // The registry may have changed while we were not watching:
                // read it whole again, then watch from there.
                if let Ok((entries, now)) = gateway.list(&prefix).await {
                    self.tell(Membership::RegistryBack);
                    self.sync(entries).await;
                    revision = now + 1;
                    break;
                }
            }
        }
    }

    /// Hands a change to the caller; a caller that stopped listening misses nothing it wants.
    fn tell(&self, change: Membership) {
        let _ = self.changes.send(change);
    }

    /// Applies the changes a watch reported.
    async fn apply(&mut self, events: Vec<Event>) {
        for event in events {
            match event {
                Event::Put(kv) => self.registered(&kv).await,
                Event::Delete(key) => self.deregistered(&key).await,
            }
        }
    }

    /// Makes the known servers exactly `entries`.
    async fn sync(&mut self, entries: Vec<KeyValue>) {
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|key| !entries.iter().any(|kv| &kv.key == *key))
            .cloned()
            .collect();
        for key in gone {
            self.deregistered(&key).await;
        }
        for kv in &entries {
            self.registered(kv).await;
        }
    }

    /// A server registered: watch its health, which puts it in the channel.
    async fn registered(&mut self, kv: &KeyValue) {
        let Some(entry) = Entry::from_json(&kv.value) else {
            return; // not a server's entry: nothing to call
        };
        match self.known.get(&kv.key) {
            Some(known) if known.entry == entry => return, // e.g. after a re-listing
            Some(_) => self.deregistered(&kv.key).await,   // re-registered differently
            None => {}
        }
        let endpoint = match (self.dial)(&entry) {
            Ok(endpoint) => endpoint,
            Err(why) => {
                return self.tell(Membership::CannotDial {
                    addr: entry.addr,
                    why,
                });
            }
        };
        self.generation += 1;
        let report = Health {
            key: kv.key.clone(),
            generation: self.generation,
            serving: false,
        };
        let checker = tokio::spawn(check_health(
            report,
            self.health_service.clone(),
            endpoint.clone(),
            self.health.clone(),
            self.changes.clone(),
            entry.addr.clone(),
        ));
        let known = Known {
            entry,
            endpoint,
            in_channel: false,
            checker: checker.abort_handle(),
            generation: self.generation,
        };
        self.known.insert(kv.key.clone(), known);
    }

    /// A server's key went (it shut down, or its lease expired): take it
    /// out of the channel, and stop checking its health.
    async fn deregistered(&mut self, key: &str) {
        let Some(known) = self.known.remove(key) else {
            return;
        };
        known.checker.abort();
        if known.in_channel {
            self.leave(key, known.entry.addr, false).await;
        }
    }

    /// A server's health changed: in the channel while SERVING, out otherwise.
    async fn health_changed(&mut self, report: Health) {
        let Health {
            key,
            generation,
            serving,
        } = report;
        let Some(known) = self.known.get_mut(&key) else {
            return; // deregistered meanwhile
        };
        if known.generation != generation || known.in_channel == serving {
            return; // about an earlier registration, or nothing new
        }
        known.in_channel = serving;
        let addr = known.entry.addr.clone();
        if serving {
            let endpoint = known.endpoint.clone();
            let _ = self.endpoints.send(Change::Insert(key, endpoint)).await;
            self.count_members();
            self.tell(Membership::Joined { addr });
        } else {
            self.leave(&key, addr, true).await;
        }
    }

    /// Takes a server out of the channel, and says so.
    async fn leave(&mut self, key: &str, addr: String, stopped_answering: bool) {
        let _ = self.endpoints.send(Change::Remove(key.to_owned())).await;
        self.tell(Membership::Left {
            addr,
            stopped_answering,
        });
        if self.count_members() == 0 {
            self.tell(Membership::NoneAnswers);
        }
    }

    /// Counts the servers in the channel, publishes the count, returns it.
    fn count_members(&self) -> usize {
        let count = self.known.values().filter(|k| k.in_channel).count();
        self.members.send_replace(count);
        count
    }

    /// The client is gone: stop every health check.
    fn stop(self) {
        for known in self.known.values() {
            known.checker.abort();
        }
    }
}

/// Watches one registered server's health and reports each change, until
/// aborted: SERVING puts it in the channel; NOT_SERVING, or no answer at
/// all, takes it out, and the check starts again [`RETRY`] later.
///
/// This is *client-side health checking*, as grpc-go does it: a server that
/// was killed cannot revoke its lease, and its key stays in etcd until the
/// lease expires; without this, calls sent to it meanwhile would fail.
async fn check_health(
    report: Health,
    service: String,
    endpoint: Endpoint,
    reports: mpsc::Sender<Health>,
    changes: mpsc::UnboundedSender<Membership>,
    addr: String,
) {
    let mut answered = false;
    loop {
        let outcome = watch_health(&report, &service, &endpoint, &reports, &mut answered).await;
        let serving = match outcome {
            // A server without health checking: trust the registry alone.
            Err(status) if status.code() == Code::Unimplemented => true,
            // Never answered at all: say why, once (a TLS mismatch, say).
            Err(status) if !answered => {
                let addr = addr.clone();
                let _ = changes.send(Membership::Silent { addr, status });
                answered = true;
                false
            }
            _ => false,
        };
        let report = Health {
            serving,
            ..report.clone()
        };
        if reports.send(report).await.is_err() || serving {
            return;
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Opens a health watch on the server at `endpoint` and forwards each
/// status it sends as a `report`; returns when the watch ends or fails.
async fn watch_health(
    report: &Health,
    service: &str,
    endpoint: &Endpoint,
    reports: &mpsc::Sender<Health>,
    answered: &mut bool,
) -> Result<(), Status> {
    // `from_error` keeps what caused the failure (refused, TLS, ...), so
    // that the caller can tell the cases apart.
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| Status::from_error(Box::new(e)))?;
    let request = HealthCheckRequest {
        service: service.to_owned(),
    };
    let mut statuses = HealthClient::new(channel)
        .watch(request)
        .await?
        .into_inner();
    while let Some(reply) = statuses.message().await? {
        *answered = true;
        let serving = reply.status() == ServingStatus::Serving;
        let report = Health {
            serving,
            ..report.clone()
        };
        if reports.send(report).await.is_err() {
            break; // the client is gone
        }
    }
    Ok(())
}
