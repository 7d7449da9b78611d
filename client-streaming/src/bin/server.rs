//! `cargo run -p client-streaming --bin server`: serves `say_hello_many`
//! on 127.0.0.1:8890. The lesson is in `src/server.rs`.

use client_streaming::server::ClientStreamingService;
use hello_proto::Kind;

fn main() -> std::process::ExitCode {
    // Flags, runtime, TLS, health, shutdown: shared by all four servers.
    hello_proto::server::main(Kind::ClientStreaming, |args| ClientStreamingService {
        delay: args.delay(),
    })
}
