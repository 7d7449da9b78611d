//! `cargo run -p fault-proxy -- --listen 127.0.0.1:9000 --to 127.0.0.1:8888
//! --latency-ms 50`: relays every connection to the server with the faults
//! the flags describe, printing each connection and each fault, until
//! Ctrl-C. The lesson is in the library, `src/pipe.rs` and `src/proxy.rs`.

use std::{
    process::ExitCode,
    time::{SystemTime, UNIX_EPOCH},
};

use clap::Parser;
use fault_proxy::{Frames, Observer, Print, cli::Args};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.frames {
        // Each decoded frame a line, between the connection's events.
        run(args, Frames::new(Print, |frame| println!("{frame}"))).await
    } else {
        run(args, Print).await
    }
}

/// Runs the proxy with `observer` until Ctrl-C.
async fn run(args: Args, observer: impl Observer) -> ExitCode {
    // No --seed: one from the clock, printed, so a run worth repeating can be.
    let seed = args.seed.unwrap_or_else(seed_from_clock);
    let faults = args.faults(seed);
    let proxy = match fault_proxy::start(&args.listen, &args.to, faults.clone(), observer).await {
        Ok(proxy) => proxy,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {} ({error}); is another program on that port? pass another --listen",
                args.listen
            );
            return ExitCode::FAILURE;
        }
    };
    println!("fault-proxy: {} -> {}; {faults}", proxy.addr(), args.to);
    // Ctrl-C stops it; if the signal cannot be watched, stop now rather
    // than run with no way to stop.
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot watch for Ctrl-C ({error}); stopping");
    }
    proxy.stop().await;
    ExitCode::SUCCESS
}

/// A seed from the clock's nanoseconds: different on each run.
fn seed_from_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |time| time.subsec_nanos().into())
}
