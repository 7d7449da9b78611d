//! The one line a client prints when it fails: what went wrong, the status
//! code when a call was made, and what to do, chosen by the failure's case.

use std::process::ExitCode;

use etcd_registry::{EtcdError, FollowError};
use tonic::Status;

use super::{
    ClientError, Context,
    advice::{Advice, causes, classify},
};
use crate::code_name;

/// Ends a client: exit code 0, or one line on stderr that says what went
/// wrong and what to do (never a panic or a backtrace), and exit code 1.
pub fn report(outcome: Result<(), ClientError>, context: &Context<'_>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever a message or a flag's value carried.
            let line = explain(&error, context).replace(['\r', '\n'], " ");
            eprintln!("error: {line}");
            ExitCode::FAILURE
        }
    }
}

/// Whether a plaintext connection that broke may have met a TLS server:
/// over TCP, with no TLS asked for and no registry to say which.
fn could_be_tls(context: &Context<'_>) -> bool {
    !context.args.speaks_tls() && context.args.registry().is_none() && !dials_unix(context)
}

/// Whether the client dials unix domain sockets (`--addr unix:PATH`),
/// where TLS is not used.
fn dials_unix(context: &Context<'_>) -> bool {
    let addrs = context.args.addrs(context.program);
    addrs
        .iter()
        .all(|addr| crate::addr::unix_path(addr).is_some())
}

/// One line that says what went wrong, with the gRPC status code when a
/// call was made, and what to do about it.
pub fn explain(error: &ClientError, context: &Context<'_>) -> String {
    match error {
        ClientError::Flag(message) | ClientError::File(message) => message.clone(),
        ClientError::Channel(_) => error.to_string(),
        ClientError::Registry(error) => explain_registry(error, context),
        ClientError::Call(status) => explain_call(status, context),
        ClientError::SomeCallsFailed {
            failed,
            made,
            last_succeeded,
        } => {
            let last = if *last_succeeded {
                "the last call succeeded"
            } else {
                "the last call failed too"
            };
            format!("{failed} of {made} calls failed, each reported above; {last}")
        }
    }
}

/// Why `--registry` gave no server, and what to do.
fn explain_registry(error: &FollowError, context: &Context<'_>) -> String {
    let program = context.program;
    let url = context.args.registry().unwrap_or_default();
    let start_one = format!(
        "start one with: {} -- --addr 127.0.0.1:0 --registry {url}",
        program.server_command()
    );
    match error {
        FollowError::Etcd(bad @ EtcdError::BadUrl(_)) => format!("--registry {bad}"),
        FollowError::Etcd(error @ EtcdError::Unreachable { .. }) => {
            format!("{error}; is etcd running? start it as the README's section Registry shows")
        }
        FollowError::Etcd(error) => format!(
            "{error}; is it etcd 3.4 or later, which serves the JSON gateway this client speaks?"
        ),
        FollowError::NoneRegistered => {
            format!("no {program} server is registered in etcd at {url}; {start_one}")
        }
        FollowError::NoneAnswers { registered, silent } => {
            let none = format!(
                "{registered} {program} server(s) registered in etcd at {url}, but none answers"
            );
            let killed =
                format!("killed servers stay registered until their lease expires; {start_one}");
            let Some((addr, status)) = silent.first() else {
                return format!("{none}: {killed}");
            };
            let failure = format!("{}: {}", code_name(status.code()), with_causes(status));
            match classify(status, context) {
                Advice::FixRegisteredTls => format!(
                    "{none}: {addr} does not speak what its entry says about TLS ({failure}); start it again, with --tls only if it should speak TLS"
                ),
                Advice::TrustServersCa => format!(
                    "{none}: {addr} has a certificate that {ca} did not sign ({failure}); pass the CA the server uses: --ca DIR/ca.pem, where DIR is the server's --certs",
                    ca = context.args.ca().display()
                ),
                _ => format!("{none}: {addr} did not answer ({failure}); {killed}"),
            }
        }
    }
}

/// What a failed call's status means here, and what to do: first whether
/// the server could be reached and understood, then what it answered.
fn explain_call(status: &Status, context: &Context<'_>) -> String {
    let failure = format!("{}: {}", code_name(status.code()), with_causes(status));
    let advice = classify(status, context);
    reaching(advice, &failure, context)
        .unwrap_or_else(|| answered(advice, &failure, status, context))
}

/// The line for a failure to reach the server, or to speak with it (TLS,
/// a connection lost); `None` if the server was reached and answered.
fn reaching(advice: Advice, failure: &str, context: &Context<'_>) -> Option<String> {
    let Context { program, args, .. } = *context;
    let at = target(context);
    let start = context.start_command();
    let line = match advice {
        Advice::StartServer if args.registry().is_some() => format!(
            "{} server {at} refused the connection ({failure}): it has stopped; start one with: {start}",
            program.with_article()
        ),
        Advice::StartServer => format!(
            "nothing listens {at} ({failure}); is the {program} server running? start it with: {start}"
        ),
        Advice::CheckAddress => {
            let which = if args.registry().is_some() {
                "the address it registered"
            } else {
                "the address in --addr"
            };
            format!(
                "cannot reach the {program} server {at} ({failure}); check {which}, and that its machine is on the network"
            )
        }
        Advice::AddTls => {
            format!("the server {at} speaks TLS and this client does not ({failure}); add --tls")
        }
        Advice::DropTls => format!(
            "the server {at} does not speak TLS ({failure}); drop {flag}, or start the server with {flag}",
            flag = if args.mtls { "--mtls" } else { "--tls" }
        ),
        Advice::FixRegisteredTls => format!(
            "a server {at} does not speak what its registered entry says about TLS ({failure}); start it again, with --tls only if its entry should say TLS"
        ),
        Advice::TrustServersCa => format!(
            "the server {at} has a certificate that {ca} did not sign ({failure}); pass the CA the server uses: --ca DIR/ca.pem, where DIR is the server's --certs (its log names the file)",
            ca = args.ca().display()
        ),
        Advice::CertificateNotForHost => format!(
            "the server's certificate does not name the host in --addr ({failure}); the development certificate names only localhost, 127.0.0.1 and ::1: dial one of those"
        ),
        Advice::AddMtls => {
            format!("the server {at} requires a client certificate ({failure}): add --mtls")
        }
        Advice::ServerShutDown => format!(
            "the {program} server {at} shut down before the call finished ({failure}); start it again with: {start}"
        ),
        // A plaintext client's first bytes can meet a TLS server's hang-up
        // before its answer: then this is all the client sees, and both
        // causes are possible.
        Advice::ConnectionLost if could_be_tls(context) => format!(
            "the connection to the {program} server {at} broke during the call ({failure}); either the server stopped (start it again with: {start}) or it speaks TLS (add --tls)"
        ),
        Advice::ConnectionLost => format!(
            "the connection to the {program} server {at} broke during the call ({failure}); if the server stopped, start it again with: {start}"
        ),
        _ => return None,
    };
    Some(line)
}

/// The line for a call the server answered with an error: it is another
/// kind's server, the deadline passed, the token or a value was refused.
fn answered(advice: Advice, failure: &str, status: &Status, context: &Context<'_>) -> String {
    let Context { program, args, .. } = *context;
    let at = target(context);
    match advice {
        // On a unix socket the right server must have a socket of its own.
        Advice::WrongKind if dials_unix(context) => format!(
            "the server {at} does not implement {} ({failure}): it is not {} server; start one on a socket of its own with: {} -- --addr unix:PATH, and call that",
            program.methods.join(" / "),
            program.with_article(),
            program.server_command(),
        ),
        Advice::WrongKind => format!(
            "the server {at} does not implement {} ({failure}): it is not {} server; start one with: {} (it listens on {})",
            program.methods.join(" / "),
            program.with_article(),
            program.server_command(),
            program.default_addr
        ),
        Advice::StreamOutlastsDeadline => {
            let (count, interval) = context
                .stream
                .map_or((0, 0), |stream| (stream.count, stream.interval_ms));
            format!(
                "the deadline passed while the stream went on ({failure}): {count} messages {interval} ms apart take {} ms, longer than --timeout-ms {}; raise --timeout-ms, or lower --count or --interval-ms",
                context.pace().unwrap_or_default().as_millis(),
                args.timeout_ms.unwrap_or_default()
            )
        }
        Advice::DeadlinePassed => format!(
            "the call did not finish within the deadline ({failure}); the server was slower than --timeout-ms: raise it (or, if you started the server with --delay-ms, lower that)"
        ),
        Advice::AddToken => format!(
            "the server wants a token ({failure}); pass one it accepts: --token or HELLO_TOKEN"
        ),
        Advice::FixToken => format!(
            "the server refused the token ({failure}); pass one it accepts: --token or HELLO_TOKEN"
        ),
        Advice::FixValue => match program.flag_named_in(status.message()) {
            Some(flag) => format!("the server refused the request ({failure}); change {flag}"),
            None => {
                format!("the server refused the request ({failure}); change the value it names")
            }
        },
        _ => format!("the call failed ({failure})"),
    }
}

/// Where the servers are, for messages: `at 127.0.0.1:50051`, or
/// `registered in etcd at http://127.0.0.1:2379`.
fn target(context: &Context<'_>) -> String {
    match context.args.registry() {
        Some(url) => format!("registered in etcd at {url}"),
        None => format!("at {}", context.args.addrs(context.program).join(", ")),
    }
}

/// The status message followed by the errors that caused it, e.g.
/// `tcp connect error: Connection refused (os error 111)`, on one line.
fn with_causes(status: &Status) -> String {
    // One line, whatever the server put in its message.
    let mut text = status.message().replace(['\r', '\n'], " ");
    for error in causes(status) {
        let line = error.to_string().replace(['\r', '\n'], " ");
        if !text.contains(&line) {
            text = format!("{text}: {line}");
        }
    }
    text
}
