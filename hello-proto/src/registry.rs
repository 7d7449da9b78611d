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
//!
//! [`etcd`] is the small HTTP client that does the talking.

pub mod etcd;

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use serde_json::json;
use tokio::{sync::mpsc, sync::oneshot, task::JoinHandle};
use tonic::transport::{Channel, Endpoint, channel::Change};
use tracing::{info, warn};

use crate::Kind;
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
    /// sending calls here. Waits (a few seconds at most) until etcd has done it.
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
    lease: i64,
    mut stop: oneshot::Receiver<()>,
) {
    let key = entry.key();
    let mut lease = Some(lease);
    let mut lost = false;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(ttl / 3) => {}
        }
        let renewed = match lease {
            Some(id) => etcd.keep_alive(id).await,
            None => Ok(false),
        };
        let outcome = match renewed {
            Ok(true) => Ok(()),
            // The lease is gone: etcd was away longer than the TTL, or came
            // back without its data. Register again, under a new lease.
            Ok(false) => put_under_new_lease(&etcd, &entry, ttl)
                .await
                .map(|id| lease = Some(id)),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) if lost => {
                info!("etcd at {} is back: registered as {key}", etcd.url());
                lost = false;
            }
            Ok(()) => {}
            Err(e) if !lost => {
                warn!("{e}: still serving; will register again when etcd is back");
                lost = true;
            }
            Err(_) => {} // still away: said so already
        }
    }
    // Graceful shutdown: revoke the lease, and etcd deletes the key now.
    if let Some(id) = lease {
        match etcd.revoke(id).await {
            Ok(()) => info!("deregistered: {key} removed from etcd"),
            Err(e) => warn!(
                "could not deregister ({e}); {key} goes when its lease expires, within {} s",
                ttl.as_secs()
            ),
        }
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

/// A channel to every `kind` server registered in `etcd`, which follows
/// them as they join and leave.
///
/// `dial` turns a registered server into a tonic [`Endpoint`] (scheme, TLS,
/// timeouts). Each change is printed (`server joined: 127.0.0.1:8892`).
/// Fails if etcd cannot be reached, or no server of `kind` is registered.
pub async fn follow(
    etcd: Etcd,
    kind: Kind,
    dial: impl Fn(&Entry) -> Result<Endpoint, String> + Send + 'static,
) -> Result<Channel, String> {
    let url = etcd.url();
    let prefix = prefix(kind);
    let (entries, revision) =
        (etcd.list(&prefix).await).map_err(|e| format!("{e}; {START_ETCD}"))?;
    if entries.is_empty() {
        return Err(format!(
            "no {kind} server is registered in etcd at {url}; start one with: {} -- --addr 127.0.0.1:8892 --registry {url}",
            kind.server_command()
        ));
    }

    // tonic's balancing channel: calls go to one of its endpoints, and the
    // `changes` sender adds and removes endpoints while it runs.
    let (channel, changes) = Channel::balance_channel(16);
    let mut servers = Servers {
        kind,
        changes,
        dial,
        known: HashMap::new(),
    };
    servers.sync(entries).await;
    tokio::spawn(servers.follow(etcd, prefix, revision + 1));
    Ok(channel)
}

/// The servers a client knows of, and the balancing channel's controls.
struct Servers<D> {
    /// The kind of server followed, for messages.
    kind: Kind,
    /// Where we tell the channel that an endpoint joined or left.
    changes: mpsc::Sender<Change<String, Endpoint>>,
    /// Turns a registered server into an endpoint.
    dial: D,
    /// The servers in the channel now, by key.
    known: HashMap<String, Entry>,
}

impl<D: Fn(&Entry) -> Result<Endpoint, String>> Servers<D> {
    /// Watches the registry from `revision` on, applying each change. If
    /// the watch breaks (etcd stopped), keeps the servers known, and once
    /// etcd answers again, lists the keys anew and goes on watching.
    async fn follow(mut self, etcd: Etcd, prefix: String, mut revision: i64) {
        loop {
            let ended = match etcd.watch(&prefix, revision).await {
                Ok(mut watch) => loop {
                    let events = tokio::select! {
                        // The client is gone (its channel dropped): stop.
                        () = self.changes.closed() => return,
                        events = watch.next() => events,
                    };
                    match events {
                        Ok(events) => self.apply(events).await,
                        Err(e) => break e,
                    }
                },
                Err(e) => e,
            };
            warn!(
                "{ended}: calls go on to the {} servers known; following again once etcd is back",
                self.known.len()
            );
            loop {
                tokio::select! {
                    () = self.changes.closed() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
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
                Event::Put(kv) => self.joined(&kv).await,
                Event::Delete(key) => self.left(&key).await,
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
            self.left(&key).await;
        }
        for kv in &entries {
            self.joined(kv).await;
        }
    }

    /// A server registered: add it to the channel.
    async fn joined(&mut self, kv: &KeyValue) {
        let Some(entry) = Entry::from_json(&kv.value) else {
            return warn!("ignoring {}: its value is not a server's", kv.key);
        };
        if self.known.get(&kv.key) == Some(&entry) {
            return; // already known, e.g. after a re-listing
        }
        match (self.dial)(&entry) {
            Ok(endpoint) => {
                let _ = self
                    .changes
                    .send(Change::Insert(kv.key.clone(), endpoint))
                    .await;
                println!("server joined: {}", entry.addr);
                self.known.insert(kv.key.clone(), entry);
            }
            Err(e) => warn!("cannot call the server registered at {}: {e}", entry.addr),
        }
    }

    /// A server's key went: take it out of the channel.
    async fn left(&mut self, key: &str) {
        let Some(entry) = self.known.remove(key) else {
            return;
        };
        let _ = self.changes.send(Change::Remove(key.to_owned())).await;
        println!("server left: {}", entry.addr);
        if self.known.is_empty() {
            println!(
                "no {kind} server is registered now: calls wait until one joins (start one with: {command})",
                kind = self.kind,
                command = self.kind.server_command()
            );
        }
    }
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
