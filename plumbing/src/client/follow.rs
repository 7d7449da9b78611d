//! `--registry`: a channel that follows the servers registered in etcd,
//! printing each change as the client sees it.

use etcd_registry::{FollowError, Following, Gateway, Membership};
use hello_proto::pb::do_stuff_server::SERVICE_NAME;
use tonic::transport::Channel;
use tracing::{info, warn};

use super::{ClientError, dial::Dialer};
use crate::{Kind, code_name};

/// A channel to the `kind` servers registered in the etcd at `url`.
pub(super) async fn registered(
    kind: Kind,
    url: &str,
    dialer: Dialer,
) -> Result<Channel, ClientError> {
    let gateway = Gateway::new(url).map_err(|e| ClientError::Registry(FollowError::Etcd(e)))?;
    // A registered server is dialled as its entry says: TLS or not.
    let dial = move |entry: &etcd_registry::Entry| {
        dialer
            .endpoint(&entry.addr, entry.tls)
            .map_err(|e| e.to_string())
    };
    let prefix = kind.registry_prefix();
    let following = etcd_registry::follow(gateway, &prefix, SERVICE_NAME, dial).await;
    let Following {
        channel,
        mut changes,
    } = following.map_err(ClientError::Registry)?;

    // The first servers have joined already: show them before any call.
    while let Ok(change) = changes.try_recv() {
        show(kind, url, change);
    }
    let url = url.to_owned();
    tokio::spawn(async move {
        while let Some(change) = changes.recv().await {
            show(kind, &url, change);
        }
    });
    Ok(channel)
}

/// Shows one change: joins and leaves on stdout, beside the calls' output;
/// trouble with etcd or a server as a warning on stderr.
fn show(kind: Kind, url: &str, change: Membership) {
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
            "no {kind} server answers now: calls wait until one joins (start one with: {} -- --addr 127.0.0.1:0 --registry {url})",
            kind.server_command()
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
