//! `cargo run -p load-balancing --bin proxy`: a plain TCP proxy on
//! 127.0.0.1:8910 in front of the three servers, printing each connection
//! it places. The lesson is in `src/proxy.rs`.

use std::process::ExitCode;

use clap::Parser;
use load_balancing::proxy::{self, Args};
use tracing::{error, info};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    let listener = match proxy::bind(&args.addr).await {
        Ok(listener) => listener,
        Err(why) => {
            error!("{why}");
            return ExitCode::FAILURE;
        }
    };
    let backends = args.backends();
    info!(
        "proxy on {}, each new connection to the next of {}",
        args.addr,
        backends.join(", ")
    );
    tokio::select! {
        () = proxy::serve(listener, backends, |event| info!("{event}")) => {}
        _ = tokio::signal::ctrl_c() => info!("Ctrl-C: the proxy stops"),
    }
    ExitCode::SUCCESS
}
