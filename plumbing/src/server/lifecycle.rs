//! What a server keeps for its whole life, from assembly to shutdown.

use std::future::Future;

use etcd_registry::{Entry, Gateway};
use hello_proto::pb;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic_health::{ServingStatus, server::HealthReporter};
use tracing::info;

use super::{Listening, RunningServer, StartError, addresses};
use crate::{Program, cli::ServerArgs};

/// What a server keeps for its whole life: the health it reports to
/// checkers, the signal that stops it serving, and the signal that ends
/// the calls still open once the shutdown's grace period is over.
#[derive(Debug, Default)]
pub struct Lifecycle {
    /// Where we say SERVING, then NOT_SERVING at shutdown.
    pub(super) health: HealthReporter,
    /// Fired to begin the graceful shutdown: tonic stops accepting.
    pub(super) stop: CancellationToken,
    /// Fired when the grace period is over: calls still open end with
    /// UNAVAILABLE (the call layer, which [`super::configure`] adds, listens).
    pub(super) cutoff: CancellationToken,
}

impl Lifecycle {
    /// A lifecycle for a server about to be assembled.
    pub fn new() -> Self {
        Self::default()
    }

    /// The health reporter behind [`Self::health_and_reflection`]'s health
    /// service, for a server that changes its status while it runs (a
    /// server going NOT_SERVING on purpose, so balancers stop picking it).
    /// The lifecycle still says SERVING at start and NOT_SERVING at shutdown.
    pub fn health(&self) -> HealthReporter {
        self.health.clone()
    }

    /// The services every server offers beside its own, which tools use:
    /// health (`grpc.health.v1`: "is hello.DoStuff serving?") and
    /// reflection (v1 and v1alpha: "what do you serve?", so that grpcurl
    /// needs no `.proto` file; newer tools speak v1, many deployed ones
    /// only v1alpha). Neither is behind the token check: tools may always ask.
    pub fn health_and_reflection(&self) -> Result<Routes, StartError> {
        self.health_and_reflection_describing(&[])
    }

    /// [`Self::health_and_reflection`], its reflection also describing the
    /// messages of `described` (encoded file descriptor sets): those a
    /// server puts where reflection would not otherwise find them, such as
    /// the `google.rpc.BadRequest` in a status's details
    /// (`tonic_types::pb::FILE_DESCRIPTOR_SET`). A tool that meets a
    /// detail's type name asks reflection for it; unknown, it shows bytes.
    pub fn health_and_reflection_describing(
        &self,
        described: &[&'static [u8]],
    ) -> Result<Routes, StartError> {
        let health = tonic_health::server::HealthService::from_health_reporter(self.health.clone());
        // Each version of reflection describes, by default, only itself:
        // tonic-reflection's `build_v1` adds v1's descriptor, `build_v1alpha`
        // v1alpha's. A tool lists the services of the one version it asks,
        // so grpcurl 1.8 (which asks v1alpha) would never see v1. Both
        // descriptors go to both versions: each lists every service served.
        let reflection = || {
            let mut builder = tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(
                    tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
                );
            for set in described {
                builder = builder.register_encoded_file_descriptor_set(set);
            }
            builder
        };
        let failed = |e: tonic_reflection::server::Error| StartError::Reflection(e.to_string());
        Ok(
            Routes::new(tonic_health::pb::health_server::HealthServer::new(health))
                .add_service(reflection().build_v1().map_err(failed)?)
                .add_service(reflection().build_v1alpha().map_err(failed)?),
        )
    }

    /// The shutdown signal for tonic's serving call (the lesson's `start`):
    /// completes when [`RunningServer::shutdown`] begins (or the running
    /// server is dropped). tonic then stops accepting, and tells open
    /// connections (HTTP/2 GOAWAY) to start no new calls.
    pub fn stop_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        self.stop.clone().cancelled_owned()
    }

    /// The server is serving (`serving` is the task the lesson spawned,
    /// listening at `listening`): reports SERVING to health checkers, with
    /// `--registry` announces it in etcd under `program`'s name, and logs
    /// the client command that reaches it. Returns once all that is done:
    /// clients can call.
    ///
    /// If etcd cannot be reached, the error comes back and the server stops.
    pub async fn started(
        self,
        serving: JoinHandle<Result<(), tonic::transport::Error>>,
        listening: Listening,
        program: Program,
        args: &ServerArgs,
    ) -> Result<RunningServer, StartError> {
        let Lifecycle {
            health,
            stop,
            cutoff,
        } = self;
        // Dropped on an early return below, this stops the server.
        let stop = stop.drop_guard();
        health
            .set_service_status(program.service, ServingStatus::Serving)
            .await;

        // Serving: now tell the registry, so clients following it come.
        let registration = match (&args.registry, &listening) {
            (Some(url), Listening::Tcp(addr)) => {
                let gateway = Gateway::new(url).map_err(StartError::Registry)?;
                let entry = Entry {
                    addr: addresses::advertised(*addr),
                    kind: program.to_string(),
                    tls: args.speaks_tls(),
                };
                let prefix = program.registry_prefix();
                let ttl = args.registry_ttl();
                let registered = etcd_registry::register(gateway, &prefix, entry, ttl);
                Some(registered.await.map_err(StartError::Registry)?)
            }
            _ => None,
        };

        // Said once, whichever services the lesson put behind the check.
        if args.token.is_some() {
            info!(
                "calls need `authorization: Bearer <token>` (--token); health and reflection stay open"
            );
        }
        let scheme = match &listening {
            Listening::Unix(_) => "",
            Listening::Tcp(_) if args.speaks_tls() => "https://",
            Listening::Tcp(_) => "http://",
        };
        let url = format!("{scheme}{listening}");
        let try_it = format!(
            "{}{}",
            program.client_command(),
            addresses::client_flags(program, args, &listening)
        );
        info!(
            "{}",
            crate::words::LISTENING.with(&[("program", &program), ("url", &url), ("try", &try_it)])
        );
        Ok(RunningServer {
            listening,
            health,
            stop,
            task: serving,
            cutoff,
            registration,
            service: program.service,
        })
    }
}
