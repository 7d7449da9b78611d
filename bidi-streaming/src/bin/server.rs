//! `cargo run -p bidi-streaming --bin server`: serves `say_hello_chat`
//! on 127.0.0.1:8891. The lesson is in `src/server.rs`.

use bidi_streaming::server::BidiStreamingService;
use hello_proto::Kind;

fn main() -> std::process::ExitCode {
    // Flags, runtime, TLS, health, shutdown: shared by all four servers.
    hello_proto::server::main(Kind::BidiStreaming, |args| BidiStreamingService {
        delay: args.delay(),
    })
}
