//! The one task that owns what a client knows of the registered servers,
//! and keeps tonic's balancing channel in step with it.

use std::collections::HashMap;

use tokio::{
    sync::{mpsc, watch},
    task::AbortHandle,
};
use tonic::transport::{Endpoint, channel::Change};

use super::{
    Membership, RETRY,
    health::{Health, check_health},
};
use crate::{
    entry::Entry,
    gateway::{Event, Gateway, KeyValue},
};

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
pub(super) struct Servers<D> {
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
    /// Knows no server yet. `dial` turns an entry into an endpoint; the
    /// channels are where endpoints, health reports, the count of members
    /// and the changes for the caller go.
    pub(super) fn new(
        endpoints: mpsc::Sender<Change<String, Endpoint>>,
        dial: D,
        health_service: &str,
        health: mpsc::Sender<Health>,
        members: watch::Sender<usize>,
        changes: mpsc::UnboundedSender<Membership>,
    ) -> Self {
        Self {
            endpoints,
            dial,
            health_service: health_service.to_owned(),
            known: HashMap::new(),
            health,
            members,
            changes,
            generation: 0,
        }
    }

    /// How many servers are registered now.
    pub(super) fn count_registered(&self) -> usize {
        self.known.len()
    }

    /// Watches the registry from `revision` on, and the health reports, and
    /// applies each change. If the watch breaks (etcd stopped), keeps the
    /// servers known, and once etcd answers again, lists the keys anew and
    /// goes on watching.
    pub(super) async fn follow(
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
    pub(super) async fn sync(&mut self, entries: Vec<KeyValue>) {
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
