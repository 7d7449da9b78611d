//! `cargo run -p unary --bin server`: serves `say_hello` and `say_hello_again`
//! on 127.0.0.1:8888, the note's port. The lesson is in `src/server.rs`.

use hello_proto::Kind;
use unary::server::UnaryService;

fn main() -> std::process::ExitCode {
    // Flags, runtime, TLS, health, shutdown: shared by all four servers.
    hello_proto::server::main(Kind::Unary, |args| UnaryService {
        delay: args.delay(),
    })
}
