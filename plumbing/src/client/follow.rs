//! `--registry`: a channel that follows the servers registered in etcd,
//! printing each change as the client sees it.

use etcd_registry::{FollowError, Following, Gateway, Membership};
use tonic::transport::{Channel, Endpoint};
use tracing::{info, warn};

use super::ClientError;
use crate::{Program, code_name};

/// A `Channel` to the `program` servers registered in the etcd at `url`,
/// that follows them as they come and go: calls are spread over the
/// servers that answer health checks. Each server is dialled with the
/// `Endpoint` that `endpoint(addr, tls)` makes, TLS as its entry says.
///
/// Each change is printed as the client sees it (`server joined:
/// 127.0.0.1:8892`).
pub async fn follow_registry(
    program: Program,
    url: &str,
    endpoint: impl Fn(&str, bool) -> Result<Endpoint, ClientError> + Send + 'static,
) -> Result<Channel, ClientError> {
    let gateway = Gateway::new(url).map_err(|e| ClientError::Registry(FollowError::Etcd(e)))?;
    // A registered server is dialled as its entry says: TLS or not.
    let dial = move |entry: &etcd_registry::Entry| {
        endpoint(&entry.addr, entry.tls).map_err(|e| e.to_string())
    };
    let prefix = program.registry_prefix();
    let following = etcd_registry::follow(gateway, &prefix, program.service, dial).await;
    let Following {
        channel,
        mut changes,
    } = following.map_err(ClientError::Registry)?;

    // The first servers have joined already: show them before any call.
    while let Ok(change) = changes.try_recv() {
        show(program, url, change);
    }
    let url = url.to_owned();
    tokio::spawn(async move {
        while let Some(change) = changes.recv().await {
            show(program, &url, change);
        }
    });
    Ok(channel)
}

/// Shows one change: joins and leaves on stdout, beside the calls' output;
/// trouble with etcd or a server as a warning on stderr.
fn show(program: Program, url: &str, change: Membership) {
    match change {
        Membership::Joined { addr } => println!("server joined: {addr}"),
        Membership::Left {
            addr,
            stopped_answering,
        } => {
            let why = if stopped_answering {
                " (it stopped answering; its entry stays in etcd until its lease expires)"
            } else {
                ""
            };
            println!("server left: {addr}{why}");
        }
        Membership::NoneAnswers => println!(
            "no {program} server answers now: calls wait until one joins (start one with: {} -- --addr 127.0.0.1:0 --registry {url})",
            program.server_command()
        ),
        Membership::Silent { addr, status } => warn!(
            "cannot check the health of the server registered at {addr} ({}: {})",
            code_name(status.code()),
            status.message()
        ),
        Membership::CannotDial { addr, why } => {
            warn!("cannot call the server registered at {addr}: {why}")
        }
        Membership::RegistryLost { error, known } => warn!(
            "{error}: calls go on to the {known} servers known; following again once etcd is back"
        ),
        Membership::RegistryBack => info!("etcd at {url} is back"),
    }
}
