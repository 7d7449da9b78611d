//! A server's side: announce it under a lease, keep the lease alive, and
//! take the key away at shutdown.

use std::time::Duration;

use tokio::{sync::oneshot, task::JoinHandle};
use tracing::{info, warn};

use crate::{
    entry::Entry,
    gateway::{EtcdError, Gateway},
};

/// How many times a lease is renewed per TTL. Three leaves room for two
/// renewals to fail (a slow network, a busy etcd) before the key expires.
const RENEWALS_PER_TTL: u32 = 3;

/// A server's place in the registry: its lease, renewed in the background.
#[derive(Debug)]
pub struct Registration {
    /// The key written, e.g. `/hello/DoStuff/unary/127.0.0.1:8892`.
    key: String,
    /// Dropping or firing this ends the registration.
    stop: oneshot::Sender<()>,
    /// The task that renews the lease, and revokes it at the end.
    task: JoinHandle<()>,
}

/// Writes `entry` under `{prefix}{addr}` in `gateway`'s etcd, under a lease
/// of `ttl`, and keeps it there until [`Registration::deregister`].
///
/// Fails if etcd cannot be reached now: a server asked to register must not
/// run unregistered without saying so. Once registered, losing etcd is only
/// logged: the server keeps serving and registers again when etcd is back.
pub async fn register(
    gateway: Gateway,
    prefix: &str,
    entry: Entry,
    ttl: Duration,
) -> Result<Registration, EtcdError> {
    let key = entry.key(prefix);
    let lease = put_under_new_lease(&gateway, &key, &entry, ttl).await?;
    info!(
        "registered in etcd at {} as {key}, under a lease of {} s renewed every {} ms",
        gateway.url(),
        ttl.as_secs(),
        (ttl / RENEWALS_PER_TTL).as_millis()
    );
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(keep_registered(
        gateway,
        key.clone(),
        entry,
        ttl,
        lease,
        stopped,
    ));
    Ok(Registration { key, stop, task })
}

impl Registration {
    /// The key this server is registered under.
    pub fn key(&self) -> &str {
        &self.key
    }

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

/// Grants a lease of `ttl` and writes `entry` under `key` with it; returns the lease.
async fn put_under_new_lease(
    gateway: &Gateway,
    key: &str,
    entry: &Entry,
    ttl: Duration,
) -> Result<i64, EtcdError> {
    let lease = gateway.grant(ttl.as_secs().max(1)).await?;
    gateway.put(key, &entry.to_json(), lease).await?;
    Ok(lease)
}

/// Renews the lease [`RENEWALS_PER_TTL`] times per TTL until `stop` fires,
/// then revokes it.
async fn keep_registered(
    gateway: Gateway,
    key: String,
    entry: Entry,
    ttl: Duration,
    mut lease: i64,
    mut stop: oneshot::Receiver<()>,
) {
    let mut lost = false;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(ttl / RENEWALS_PER_TTL) => {}
        }
        let renew = async {
            match gateway.keep_alive(lease).await {
                Ok(true) => Ok(lease),
                // The lease is gone: etcd was away longer than the TTL, or
                // came back without its data. Register again, under a new one.
                Ok(false) => put_under_new_lease(&gateway, &key, &entry, ttl).await,
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
                    info!("etcd at {} is back: registered as {key}", gateway.url());
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
    match gateway.revoke(lease).await {
        Ok(()) => info!("deregistered: {key} removed from etcd"),
        Err(e) => warn!(
            "could not deregister ({e}); {key} goes when its lease expires, within {} s",
            ttl.as_secs()
        ),
    }
}
