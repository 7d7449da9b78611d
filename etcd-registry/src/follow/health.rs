//! Client-side health checking of one registered server.

use tokio::sync::mpsc;
use tonic::{Code, Status, transport::Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use super::{Membership, RETRY};

/// What a health-checking task says about one registered server.
#[derive(Debug, Clone)]
pub(super) struct Health {
    /// The server's key in etcd.
    pub(super) key: String,
    /// Which registration of that key the task checks: a report from the
    /// task of an earlier one, still queued when it was stopped, is ignored.
    pub(super) generation: u64,
    /// Whether it answers SERVING now.
    pub(super) serving: bool,
}

/// Watches one registered server's health and reports each change, until
/// aborted: SERVING puts it in the channel; NOT_SERVING, or no answer at
/// all, takes it out, and the check starts again [`RETRY`] later.
///
/// This is *client-side health checking*, as grpc-go does it: a server that
/// was killed cannot revoke its lease, and its key stays in etcd until the
/// lease expires; without this, calls sent to it meanwhile would fail.
pub(super) async fn check_health(
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
