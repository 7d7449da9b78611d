//! `cargo run -p server-streaming --bin server`: serves `say_hello_stream`
//! on 127.0.0.1:8889. The lesson is in `src/server.rs`.

use hello_proto::Kind;
use server_streaming::server::ServerStreamingService;

fn main() -> std::process::ExitCode {
    // Flags, runtime, TLS, health, shutdown: shared by all four servers.
    hello_proto::server::main(Kind::ServerStreaming, |args| ServerStreamingService {
        delay: args.delay(),
    })
}
