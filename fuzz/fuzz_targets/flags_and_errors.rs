//! Any command line (flags, address lists, numbers) for a server and a
//! client: parsed or refused, never a panic; and whatever status a server
//! sends back, the client's explanation is one line.
#![no_main]

use clap::Parser;
use plumbing::{
    Program,
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
};
use libfuzzer_sys::fuzz_target;

/// The four lessons' programs, as their clients name them in messages.
const PROGRAMS: [Program; 4] = [
    unary::PROGRAM,
    server_streaming::PROGRAM,
    client_streaming::PROGRAM,
    bidi_streaming::PROGRAM,
];

#[derive(Parser, Debug)]
struct Client {
    #[command(flatten)]
    common: ClientArgs,
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (flags, message) = text.split_once('\u{1}').unwrap_or((text, "a message"));
    let words = || flags.split('\0');
    let _ = ServerArgs::try_parse_from(std::iter::once("server").chain(words()));
    if let Ok(client) = Client::try_parse_from(std::iter::once("client").chain(words())) {
        let _ = client.common.pid();
        let code = tonic::Code::from(i32::from(data[0] % 20));
        for program in PROGRAMS {
            for addr in client.common.addrs(program) {
                let _ = plumbing::addr::check(&addr, false);
            }
            let error = ClientError::Call(tonic::Status::new(code, message));
            let line = explain(&error, &Context::new(program, &client.common));
            assert!(!line.contains('\n'), "{line}");
        }
    }
});
