//! The server: the unary lesson's service, on this topic's port, and able
//! to start late, so that a client can be seen waiting for it.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::do_stuff_server::DoStuffServer;
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::transport::Server;
use tracing::info;
use unary::server::UnaryService;

use crate::TOPIC;

/// Flags of the wait-for-ready server.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "A hello.DoStuff unary server that can start late")]
pub struct Args {
    /// The flags every server has (--addr, --delay-ms, --tls, --token, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// Wait this long before listening: a server that comes up late
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub start_after_ms: u64,
}

/// Waits `--start-after-ms`, then assembles and starts the server as the
/// unary lesson does; returns once it is listening.
pub async fn start(args: &Args) -> Result<RunningServer, StartError> {
    if args.start_after_ms > 0 {
        info!(
            "waiting {} ms before listening: a wait-for-ready client waits for us meanwhile",
            args.start_after_ms
        );
        tokio::time::sleep(Duration::from_millis(args.start_after_ms)).await;
    }
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), &args.common, &lifecycle)?;
    let service = UnaryService {
        delay: args.common.delay(),
    };
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            &args.common,
        ));
    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router
            .serve_with_incoming_shutdown(listener.incoming(&args.common), lifecycle.stop_signal()),
    );
    lifecycle
        .started(serving, listening, TOPIC, &args.common)
        .await
}
