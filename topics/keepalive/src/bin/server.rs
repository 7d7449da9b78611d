//! `cargo run -p keepalive --bin server -- --keepalive-ms 1000
//! --keepalive-timeout-ms 1000`: the server-streaming lesson's handler on
//! 127.0.0.1:8920, noticing clients that vanish. The lesson is in
//! `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use keepalive::{
    TOPIC,
    server::{Args, KeepaliveService, start},
};
use plumbing::server::run_until_stopped;
use server_streaming::server::ServerStreamingService;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    let service = KeepaliveService {
        lesson: ServerStreamingService {
            delay: args.common.delay(),
        },
        ends: None,
    };
    run_until_stopped(TOPIC, &args.common, async |_| start(service, &args).await)
}
