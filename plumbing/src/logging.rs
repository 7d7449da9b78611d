//! Log lines on stderr, through `tracing`.

use std::io::IsTerminal;

use tracing_subscriber::{filter::Targets, fmt, prelude::*};

/// Sends `tracing` logs to stderr, at `default_level` unless `RUST_LOG` says
/// otherwise (`RUST_LOG=warn cargo run ...` hides the per-call lines,
/// `RUST_LOG=info,h2=debug` adds the HTTP/2 library's).
///
/// Every program calls this first, so this is also where the language of
/// what it says is chosen, once: the environment's (`LANG=pt_BR.UTF-8`,
/// `LANGUAGE`, `LC_ALL`), as the workshop chooses when given no `--lang`.
pub fn init(default_level: &str) {
    lang::set_lang(lang::Lang::from_locale());
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .or_else(|| default_level.parse().ok())
        .unwrap_or_default();
    let output = fmt::layer()
        .with_target(false)
        // Colours on a terminal; plain text in files and CI logs.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // `try_init`: a second call (as in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(output)
        .with(filter)
        .try_init();
}
