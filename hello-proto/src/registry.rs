//! A service registry in etcd: servers announce themselves, clients follow.
//!
//! The note: "Outros recursos estão disponíveis, como uso de um registry
//! (dicionário de serviços)". A list of `--addr` is fixed when a client
//! starts; a registry is a dictionary that changes as servers come and go.
//! We keep it in etcd, the store Kubernetes itself runs on, the way etcd's
//! own Go client does it for grpc-go:
//!
//! - A server writes the key `/hello/DoStuff/{kind}/{host:port}` under a
//!   *lease*: a timer in etcd that the server renews every third of its TTL.
//!   Graceful shutdown revokes the lease and the key goes at once; a killed
//!   server stops renewing, and the key goes when the TTL runs out
//!   ([`register`]).
//! - A client lists the keys of its kind, then *watches* them, and tells
//!   tonic's balancing channel each time a server joins or leaves
//!   ([`follow`]). Calls are spread over the servers registered right now.
//!   It also watches each server's health, so that a killed server, whose
//!   key stays until its lease expires, gets no calls meanwhile.
//!
//! [`etcd`] is the small HTTP client that does the talking.

pub mod etcd;

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use serde_json::json;
use tokio::{
    sync::{mpsc, oneshot, watch},
    task::{AbortHandle, JoinHandle},
};
use tonic::{
    Code, Status,
    transport::{Channel, Endpoint, channel::Change},
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tracing::{info, warn};

use crate::{Kind, pb::do_stuff_server::SERVICE_NAME};
use etcd::{Etcd, Event, KeyValue};

/// Every key of ours starts with this: the service's name, then the kind.
pub const PREFIX: &str = "/hello/DoStuff/";

/// What to do when etcd cannot be reached.
const START_ETCD: &str = "is etcd running? start it as the README's section Registry shows";

/// What a server writes under its key: enough for a client to call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the server listens, HOST:PORT.
    pub addr: String,
    /// Which kind of server it is (the crate name, e.g. `unary`).
    pub kind: String,
    /// Whether it serves TLS (`--tls`), so clients know how to connect.
    pub tls: bool,
}

impl Entry {
    /// The server's key: `/hello/DoStuff/{kind}/{addr}`.
    pub fn key(&self) -> String {
        format!("{PREFIX}{}/{}", self.kind, self.addr)
    }

    /// The value stored under the key: a small JSON object.
    pub fn to_json(&self) -> String {
        json!({ "addr": self.addr, "kind": self.kind, "tls": self.tls }).to_string()
    }

    /// Reads a value written by [`Entry::to_json`]; `None` if it is not one.
    pub fn from_json(value: &str) -> Option<Entry> {
        let value: serde_json::Value = serde_json::from_str(value).ok()?;
        Some(Entry {
            addr: value["addr"].as_str()?.to_owned(),
            kind: value["kind"].as_str()?.to_owned(),
            tls: value["tls"].as_bool().unwrap_or(false),
        })
    }
}

/// The prefix under which servers of `kind` register.
pub fn prefix(kind: Kind) -> String {
    format!("{PREFIX}{kind}/")
}

/// The address to register for a server bound to `addr`. A server bound to
/// every interface (`0.0.0.0`) cannot be dialled at that address; it is
/// registered as `127.0.0.1` unless the student binds a specific address.
pub fn advertised(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        warn!(
            "bound to {addr}: registering 127.0.0.1:{port}, which only this machine can reach; to be reached from others, listen on this machine's address with --addr IP:{port}",
            port = addr.port()
        );
        return format!("127.0.0.1:{}", addr.port());
    }
    addr.to_string()
}

// ---------------------------------------------------------------- servers

/// A server's place in the registry: its lease, renewed in the background.
#[derive(Debug)]
pub struct Registration {
    /// Dropping or firing this ends the registration.
    stop: oneshot::Sender<()>,
    /// The task that renews the lease, and revokes it at the end.
    task: JoinHandle<()>,
}

/// Registers `entry` in the etcd at `url` under a lease of `ttl`, and keeps
/// it registered until [`Registration::deregister`].
///
/// Fails if etcd cannot be reached now: a server asked to register must not
/// run unregistered without saying so. Once registered, losing etcd is only
/// logged: the server keeps serving and registers again when etcd is back.
pub async fn register(url: &str, entry: Entry, ttl: Duration) -> Result<Registration, String> {
    let etcd = Etcd::new(url)?;
    let lease = put_under_new_lease(&etcd, &entry, ttl).await.map_err(|e| {
        format!(
            "{e}; a server started with --registry must be registered: {START_ETCD}, or start the server without --registry"
        )
    })?;
    info!(
        "registered in etcd at {url} as {}, under a lease of {} s renewed every {} ms",
        entry.key(),
        ttl.as_secs(),
        (ttl / 3).as_millis()
    );
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(keep_registered(etcd, entry, ttl, lease, stopped));
    Ok(Registration { stop, task })
}

impl Registration {
    /// Revokes the lease, so the key disappears at once and clients stop
    /// sending calls here. Waits until etcd has done it (3 s at most).
    pub async fn deregister(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// Stops renewing the lease without revoking it, as a killed server
    /// would: the key stays until the lease's TTL runs out.
    pub fn abandon(self) {
        self.task.abort();
    }
}

/// Grants a lease of `ttl` and writes `entry` under it; returns the lease.
async fn put_under_new_lease(etcd: &Etcd, entry: &Entry, ttl: Duration) -> Result<i64, String> {
    let lease = etcd.grant(ttl.as_secs().max(1)).await?;
    etcd.put(&entry.key(), &entry.to_json(), lease).await?;
    Ok(lease)
}

/// Renews the lease every third of its TTL until `stop` fires, then revokes it.
///
/// Renewing three times per TTL leaves room for two renewals to fail (a
/// slow network, a busy etcd) before the key would expire.
async fn keep_registered(
    etcd: Etcd,
    entry: Entry,
    ttl: Duration,
    mut lease: i64,
    mut stop: oneshot::Receiver<()>,
) {
    let key = entry.key();
    let mut lost = false;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(ttl / 3) => {}
        }
        let renew = async {
            match etcd.keep_alive(lease).await {
                Ok(true) => Ok(lease),
                // The lease is gone: etcd was away longer than the TTL, or
                // came back without its data. Register again, under a new one.
                Ok(false) => put_under_new_lease(&etcd, &entry, ttl).await,
                Err(e) => Err(e),
            }
        };
        // Stopping does not wait for a renewal that hangs.
        let outcome = tokio::select! {
            _ = &mut stop => break,
            outcome = renew => outcome,
        };
        match outcome {
            Ok(renewed) => {
                lease = renewed;
                if lost {
                    info!("etcd at {} is back: registered as {key}", etcd.url());
                    lost = false;
                }
            }
            Err(e) if !lost => {
                warn!("{e}: still serving; will register again when etcd is back");
                lost = true;
            }
            Err(_) => {} // still away: said so already
        }
    }
    // Graceful shutdown: revoke the lease, and etcd deletes the key now.
    match etcd.revoke(lease).await {
        Ok(()) => info!("deregistered: {key} removed from etcd"),
        Err(e) => warn!(
            "could not deregister ({e}); {key} goes when its lease expires, within {} s",
            ttl.as_secs()
        ),
    }
}

// ---------------------------------------------------------------- clients

/// Every server registered in `etcd`, of every kind, sorted.
pub async fn list(etcd: &Etcd) -> Result<Vec<Entry>, String> {
    let (entries, _revision) = etcd
        .list(PREFIX)
        .await
        .map_err(|e| format!("{e}; {START_ETCD}"))?;
    let mut entries: Vec<Entry> = entries
        .iter()
        .filter_map(|kv| Entry::from_json(&kv.value))
        .collect();
    entries.sort_by(|a, b| (&a.kind, &a.addr).cmp(&(&b.kind, &b.addr)));
    Ok(entries)
}

/// How long a new client waits for one of the registered servers to answer.
const FIRST_ANSWER: Duration = Duration::from_secs(5);

/// A channel to every `kind` server registered in `etcd` that answers, which
/// follows them as they join and leave.
///
/// `dial` turns a registered server into a tonic [`Endpoint`] (scheme, TLS,
/// timeouts). Each change is printed (`server joined: 127.0.0.1:8892`).
/// Fails if etcd cannot be reached, if no server of `kind` is registered,
/// or if none of those registered answers within a few seconds.
pub async fn follow(
    etcd: Etcd,
    kind: Kind,
    dial: impl Fn(&Entry) -> Result<Endpoint, String> + Send + 'static,
) -> Result<Channel, String> {
    let url = etcd.url().to_owned();
    let prefix = prefix(kind);
    let (entries, revision) =
        (etcd.list(&prefix).await).map_err(|e| format!("{e}; {START_ETCD}"))?;
    let start_one = format!(
        "start one with: {} -- --addr 127.0.0.1:8892 --registry {url}",
        kind.server_command()
    );
    if entries.is_empty() {
        return Err(format!(
            "no {kind} server is registered in etcd at {url}; {start_one}"
        ));
    }

    // tonic's balancing channel: calls go to one of its endpoints, and the
    // `changes` sender adds and removes endpoints while it runs.
    let (channel, changes) = Channel::balance_channel(16);
    let (health, reports) = mpsc::channel(16);
    let (members, mut in_channel) = watch::channel(0);
    let mut servers = Servers {
        kind,
        changes,
        dial,
        known: HashMap::new(),
        health,
        members,
        generation: 0,
    };
    servers.sync(entries).await;
    let registered = servers.known.len();
    tokio::spawn(servers.follow(etcd, prefix, revision + 1, reports));

    // A server joins the channel once it answers its health check: wait for
    // the first, so that the first call has somewhere to go.
    let first = tokio::time::timeout(FIRST_ANSWER, in_channel.wait_for(|&n| n > 0)).await;
    match first {
        Ok(Ok(_)) => Ok(channel),
        _ => Err(format!(
            "{registered} {kind} server(s) registered in etcd at {url}, but none answers: killed servers stay registered until their lease expires; {start_one}"
        )),
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
    /// The kind of server followed, for messages.
    kind: Kind,
    /// Where we tell the channel that an endpoint joined or left.
    changes: mpsc::Sender<Change<String, Endpoint>>,
    /// Turns a registered server into an endpoint.
    dial: D,
    /// Every server registered now, by key.
    known: HashMap<String, Known>,
    /// Where health-checking tasks report; cloned into each of them.
    health: mpsc::Sender<Health>,
    /// How many servers are in the channel now, for [`follow`] to wait on;
    /// always counted from `known`, never kept by hand.
    members: watch::Sender<usize>,
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
        etcd: Etcd,
        prefix: String,
        mut revision: i64,
        mut reports: mpsc::Receiver<Health>,
    ) {
        loop {
            let ended = match etcd.watch(&prefix, revision).await {
                Ok(mut watch) => loop {
                    tokio::select! {
                        // The client is gone (its channel dropped): stop.
                        () = self.changes.closed() => return self.stop(),
                        Some(report) = reports.recv() => self.health_changed(report).await,
                        events = watch.next() => match events {
                            Ok(events) => self.apply(events).await,
                            Err(e) => break e,
                        },
                    }
                },
                Err(e) => e,
            };
            warn!(
                "{ended}: calls go on to the {} servers known; following again once etcd is back",
                self.known.len()
            );
            loop {
                let retry = tokio::select! {
                    () = self.changes.closed() => return self.stop(),
                    Some(report) = reports.recv() => {
                        self.health_changed(report).await;
                        false
                    }
                    () = tokio::time::sleep(Duration::from_secs(1)) => true,
                };
                if !retry {
                    continue;
                }
                // The registry may have changed while we were not watching:
                // read it whole again, then watch from there.
                if let Ok((entries, now)) = etcd.list(&prefix).await {
                    info!("etcd at {} is back", etcd.url());
                    self.sync(entries).await;
                    revision = now + 1;
                    break;
                }
            }
        }
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
        let gone: Vec<String> = (self.known.keys())
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
            return warn!("ignoring {}: its value is not a server's", kv.key);
        };
        match self.known.get(&kv.key) {
            Some(known) if known.entry == entry => return, // e.g. after a re-listing
            Some(_) => self.deregistered(&kv.key).await,   // re-registered differently
            None => {}
        }
        let endpoint = match (self.dial)(&entry) {
            Ok(endpoint) => endpoint,
            Err(e) => return warn!("cannot call the server registered at {}: {e}", entry.addr),
        };
        self.generation += 1;
        let checker = tokio::spawn(check_health(
            Health {
                key: kv.key.clone(),
                generation: self.generation,
                serving: false,
            },
            entry.addr.clone(),
            endpoint.clone(),
            self.health.clone(),
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
            self.leave(key, &known.entry, "").await;
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
        if known.generation != generation {
            return; // about an earlier registration
        }
        if known.in_channel == serving {
            return;
        }
        known.in_channel = serving;
        let entry = known.entry.clone();
        if serving {
            let _ = (self.changes)
                .send(Change::Insert(key, known.endpoint.clone()))
                .await;
            self.count_members();
            println!("server joined: {}", entry.addr);
        } else {
            let why = " (it stopped answering; its entry stays in etcd until its lease expires)";
            self.leave(&key, &entry, why).await;
        }
    }

    /// Takes a server out of the channel, saying so (and `why`).
    async fn leave(&mut self, key: &str, entry: &Entry, why: &str) {
        let _ = self.changes.send(Change::Remove(key.to_owned())).await;
        println!("server left: {}{why}", entry.addr);
        if self.count_members() == 0 {
            println!(
                "no {kind} server answers now: calls wait until one joins (start one with: {command})",
                kind = self.kind,
                command = self.kind.server_command()
            );
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
/// all, takes it out, and the check starts again a second later.
///
/// This is *client-side health checking*, as grpc-go does it: a server that
/// was killed cannot revoke its lease, and its key stays in etcd until the
/// lease expires; without this, calls sent to it meanwhile would fail.
async fn check_health(
    report: Health,
    addr: String,
    endpoint: Endpoint,
    reports: mpsc::Sender<Health>,
) {
    let mut answered = false;
    loop {
        let outcome = watch_health(&report, &endpoint, &reports, &mut answered).await;
        let serving = match outcome {
            // A server without health checking: trust the registry alone.
            Err(status) if status.code() == Code::Unimplemented => true,
            // Never answered at all: say why, once (a TLS mismatch, say).
            Err(status) if !answered => {
                warn!(
                    "cannot check the health of the server registered at {addr} ({}: {})",
                    crate::client::code_name(status.code()),
                    status.message()
                );
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
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Opens a health watch on the server at `endpoint` and forwards each
/// status it sends as a `report`; returns when the watch ends or fails.
async fn watch_health(
    report: &Health,
    endpoint: &Endpoint,
    reports: &mpsc::Sender<Health>,
    answered: &mut bool,
) -> Result<(), Status> {
    let channel = (endpoint.connect().await).map_err(|e| Status::unavailable(e.to_string()))?;
    let request = HealthCheckRequest {
        service: SERVICE_NAME.to_owned(),
    };
    let mut statuses = HealthClient::new(channel)
        .watch(request)
        .await?
        .into_inner();
    while let Some(reply) = statuses.message().await? {
        *answered = true;
        let serving = reply.status() == ServingStatus::Serving;
        if reports
            .send(Health {
                serving,
                ..report.clone()
            })
            .await
            .is_err()
        {
            break; // the client is gone
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_what_it_wrote() {
        let entry = Entry {
            addr: "127.0.0.1:8892".into(),
            kind: "unary".into(),
            tls: true,
        };
        assert_eq!(entry.key(), "/hello/DoStuff/unary/127.0.0.1:8892");
        assert_eq!(Entry::from_json(&entry.to_json()), Some(entry));
        assert_eq!(Entry::from_json("not json"), None);
    }
}
