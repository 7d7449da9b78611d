//! A server that is serving: until Ctrl-C, then a graceful shutdown.

use std::{net::SocketAddr, time::Duration};

use crate::words;
use etcd_registry::Registration;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic_health::{ServingStatus, server::HealthReporter};
use tracing::{error, info, warn};

use super::Listening;

/// How long a registered server keeps taking calls after leaving the
/// registry, while the clients that follow it take it off their lists.
const DEREGISTERED_PAUSE: Duration = Duration::from_millis(500);

/// How long the connections may take to close once the calls still open
/// at the end of the grace period have been ended.
const CLOSING_TIME: Duration = Duration::from_secs(1);

/// A server serving in a background task, as a lesson's `start` returns
/// it (made by [`super::Lifecycle::started`]). Dropping it stops the server.
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens: the TCP address actually bound (with port 0 the
    /// system picks a free one), or the unix socket's path.
    pub(super) listening: Listening,
    /// Where we tell health checkers that we are going away.
    pub(super) health: HealthReporter,
    /// Dropping this begins the graceful shutdown: it fires the signal the
    /// lesson handed to tonic's serving call.
    pub(super) stop: DropGuard,
    /// The accept loop; it ends once every connection has closed.
    pub(super) task: JoinHandle<Result<(), tonic::transport::Error>>,
    /// Fired when the grace period is over: calls still open end with UNAVAILABLE.
    pub(super) cutoff: CancellationToken,
    /// Our entry in etcd, with `--registry`.
    pub(super) registration: Option<Registration>,
    /// The gRPC service reported to health checkers (the program's).
    pub(super) service: &'static str,
}

impl RunningServer {
    /// The TCP address the server listens on (`None` on a unix socket).
    pub fn addr(&self) -> Option<SocketAddr> {
        match self.listening {
            Listening::Tcp(addr) => Some(addr),
            Listening::Unix(_) => None,
        }
    }

    /// Where the server listens, as a client's `--addr` says it.
    pub fn listening(&self) -> &Listening {
        &self.listening
    }

    /// Serves until Ctrl-C or SIGTERM (what `kill` and service managers
    /// send), then shuts down gracefully within `grace`: the note's
    /// `server.wait_for_termination()`.
    pub async fn wait_for_termination(self, grace: Duration) {
        let signal = shutdown_signal().await;
        info!("{}", words::SHUTTING_DOWN.with(&[("signal", &signal)]));
        self.shutdown(grace).await;
    }

    /// Stops accepting connections and abandons the registration without
    /// telling etcd, so our entry stays there until its lease expires: a
    /// crash, as far as the registry can tell. (Connections already open
    /// are closed gracefully by tonic; a real `kill -9` is played by
    /// `.ci/registry.sh`.) Tests use it to check the lease.
    pub fn kill(self) {
        if let Some(registration) = self.registration {
            registration.abandon();
        }
        self.task.abort();
    }

    /// Graceful shutdown: leave the registry, report NOT_SERVING, stop
    /// accepting connections, give calls in flight up to `grace` to finish,
    /// then end those still open with UNAVAILABLE. Returns when every
    /// connection has closed.
    pub async fn shutdown(self, grace: Duration) {
        let RunningServer {
            listening,
            health,
            stop,
            mut task,
            cutoff,
            registration,
            service,
        } = self;
        // First leave the registry: clients following it drop us from
        // their list, and send their next calls to the servers that stay.
        if let Some(registration) = registration {
            registration.deregister().await;
            // Clients hear of it through their watch on etcd within
            // milliseconds; give them a moment before we stop taking calls.
            let pause = grace.min(DEREGISTERED_PAUSE);
            info!(
                "waiting {} ms for clients following the registry to stop sending calls here",
                pause.as_millis()
            );
            tokio::time::sleep(pause).await;
        }
        // Then tell health watchers, so balancers stop sending us calls.
        for service in ["", service] {
            health
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        // Stop accepting; open connections are told (HTTP/2 GOAWAY) to
        // start no new calls, while the calls already running go on.
        drop(stop);
        let result = match tokio::time::timeout(grace, &mut task).await {
            Ok(result) => {
                info!("{}", words::ALL_FINISHED);
                result
            }
            Err(_) => {
                let grace = grace.as_millis();
                warn!("{}", words::GRACE_OVER.with(&[("grace", &grace)]));
                cutoff.cancel();
                match tokio::time::timeout(CLOSING_TIME, &mut task).await {
                    Ok(result) => result,
                    Err(_) => {
                        task.abort();
                        return warn!("some connections did not close; left them behind");
                    }
                }
            }
        };
        match result {
            Ok(Ok(())) => info!("{}", words::STOPPED),
            Ok(Err(e)) => error!("the server stopped with an error: {e}"),
            Err(e) => error!("the server task failed: {e}"),
        }
        // A unix socket's file went when tonic stopped accepting.
        if let Listening::Unix(path) = listening {
            info!("removed the socket file {}", path.display());
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send).
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
