//! The one line a client prints when it fails: what went wrong, the status
//! code when a call was made, and what to do, chosen by the failure's case.

use std::{process::ExitCode, time::Duration};

use etcd_registry::{EtcdError, FollowError};
use tonic::Status;

use super::{
    ClientError, Context,
    advice::{Advice, causes, classify},
};
use crate::{code_name, words};

/// Ends a client: exit code 0, or one line on stderr that says what went
/// wrong and what to do (never a panic or a backtrace), and exit code 1.
pub fn report(outcome: Result<(), ClientError>, context: &Context<'_>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever a message or a flag's value carried.
            let line = explain(&error, context).replace(['\r', '\n'], " ");
            eprintln!("{}", words::ERROR.with(&[("line", &line)]));
            ExitCode::FAILURE
        }
    }
}

/// Whether a plaintext connection that broke may have met a TLS server:
/// over TCP, with no TLS asked for and no registry to say which.
fn could_be_tls(context: &Context<'_>) -> bool {
    !context.args.speaks_tls() && context.args.registry().is_none() && !dials_unix(context)
}

/// How long each step of asking a server whether it speaks TLS may take.
const TLS_PROBE_WITHIN: Duration = Duration::from_secs(2);

/// The one address the client dialled, if it dialled one (`--addr` once).
fn dialled(context: &Context<'_>) -> Option<String> {
    match context.args.addrs(context.program).as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
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
                words::LAST_SUCCEEDED
            } else {
                words::LAST_FAILED
            };
            words::SOME_CALLS_FAILED.with(&[("failed", failed), ("made", made), ("last", &last)])
        }
    }
}

/// Why `--registry` gave no server, and what to do.
fn explain_registry(error: &FollowError, context: &Context<'_>) -> String {
    let program = context.program;
    let url = context.args.registry().unwrap_or_default();
    let start_one = words::START_ONE.with(&[("command", &program.server_command()), ("url", &url)]);
    match error {
        FollowError::Etcd(bad @ EtcdError::BadUrl(_)) => format!("--registry {bad}"),
        FollowError::Etcd(error @ EtcdError::Unreachable { .. }) => {
            words::ETCD_UNREACHABLE.with(&[("error", &words::etcd_error(error))])
        }
        FollowError::Etcd(error) => words::ETCD_OTHER.with(&[("error", error)]),
        FollowError::NoneRegistered => words::NONE_REGISTERED.with(&[
            ("program", &program),
            ("url", &url),
            ("start_one", &start_one),
        ]),
        FollowError::NoneAnswers { registered, silent } => {
            let none = words::NONE_ANSWERS.with(&[
                ("registered", registered),
                ("program", &program),
                ("url", &url),
            ]);
            let killed = words::KILLED_STAY.with(&[("start_one", &start_one)]);
            let Some((addr, status)) = silent.first() else {
                return words::NONE_ANSWERS_ONLY.with(&[("none", &none), ("killed", &killed)]);
            };
            let failure = format!("{}: {}", code_name(status.code()), with_causes(status));
            let ca = context.args.ca();
            let values: [(&str, &dyn std::fmt::Display); 5] = [
                ("none", &none),
                ("addr", addr),
                ("failure", &failure),
                ("ca", &ca.display()),
                ("killed", &killed),
            ];
            match classify(status, context) {
                Advice::FixRegisteredTls => words::NONE_ANSWERS_TLS.with(&values),
                Advice::TrustServersCa => words::NONE_ANSWERS_CA.with(&values),
                _ => words::NONE_ANSWERS_SILENT.with(&values),
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
    let which = if args.registry().is_some() {
        words::THE_REGISTERED_ADDRESS
    } else {
        words::THE_ADDR_FLAG
    };
    let ca = args.ca();
    let values: [(&str, &dyn std::fmt::Display); 9] = [
        ("program", &program),
        ("a_server", &words::a_server(program)),
        ("at", &target(context)),
        ("failure", &failure),
        ("start", &context.start_command()),
        ("which", &which),
        ("flag", &if args.mtls { "--mtls" } else { "--tls" }),
        ("ca", &ca.display()),
        ("addr", &program.default_addr),
    ];
    let text = match advice {
        Advice::StartServer if args.registry().is_some() => words::SERVER_STOPPED_REGISTERED,
        Advice::StartServer => words::NOTHING_LISTENS,
        Advice::CheckAddress => words::CANNOT_REACH,
        // A plaintext hello can be hung up on by a TLS server too: asked.
        Advice::ResetAsItOpened => match dialled(context) {
            Some(addr) if could_be_tls(context) && super::speaks_tls(&addr, TLS_PROBE_WITHIN) => {
                words::ADD_TLS
            }
            _ => words::RESET_AS_IT_OPENED,
        },
        Advice::AddTls => words::ADD_TLS,
        Advice::DropTls => words::DROP_TLS,
        Advice::FixRegisteredTls => words::FIX_REGISTERED_TLS,
        Advice::TrustServersCa => words::TRUST_SERVERS_CA,
        Advice::CertificateNotForHost => words::CERTIFICATE_NOT_FOR_HOST,
        Advice::AddMtls => words::ADD_MTLS,
        Advice::ServerShutDown => words::SERVER_SHUT_DOWN,
        // A plaintext client's first bytes can meet a TLS server's hang-up
        // before its answer: then this is all the client sees. So the
        // server is asked, in TLS, whether it speaks it (`speaks_tls`).
        Advice::ConnectionLost if could_be_tls(context) => match dialled(context) {
            Some(addr) if super::speaks_tls(&addr, TLS_PROBE_WITHIN) => words::ADD_TLS,
            Some(_) => words::CONNECTION_LOST,
            // Several addresses: which one broke is not known here.
            None => words::CONNECTION_LOST_OR_TLS,
        },
        Advice::ConnectionLost => words::CONNECTION_LOST,
        _ => return None,
    };
    Some(text.with(&values))
}

/// The line for a call the server answered with an error: it is another
/// kind's server, the deadline passed, the token or a value was refused.
fn answered(advice: Advice, failure: &str, status: &Status, context: &Context<'_>) -> String {
    let Context { program, args, .. } = *context;
    let (count, interval) = context
        .stream
        .map_or((0, 0), |stream| (stream.count, stream.interval_ms));
    let values: [(&str, &dyn std::fmt::Display); 12] = [
        ("at", &target(context)),
        ("failure", &failure),
        ("methods", &program.methods.join(" / ")),
        ("a_server", &words::a_server(program)),
        ("command", &program.server_command()),
        ("addr", &program.default_addr),
        ("count", &count),
        ("interval", &interval),
        ("pace", &context.pace().unwrap_or_default().as_millis()),
        ("timeout", &args.timeout_ms.unwrap_or_default()),
        (
            "flag",
            &program.flag_named_in(status.message()).unwrap_or_default(),
        ),
        ("program", &program),
    ];
    let text = match advice {
        // On a unix socket the right server must have a socket of its own.
        Advice::WrongKind if dials_unix(context) => words::WRONG_KIND_UNIX,
        Advice::WrongKind => words::WRONG_KIND,
        Advice::StreamOutlastsDeadline => words::STREAM_OUTLASTS_DEADLINE,
        Advice::DeadlinePassed => words::DEADLINE_PASSED,
        Advice::AddToken => words::ADD_TOKEN,
        Advice::FixToken => words::FIX_TOKEN,
        Advice::FixValue if program.flag_named_in(status.message()).is_some() => {
            words::FIX_VALUE_FLAG
        }
        Advice::FixValue => words::FIX_VALUE,
        _ => words::CALL_FAILED,
    };
    text.with(&values)
}

/// Where the servers are, for messages: `at 127.0.0.1:50051`, or
/// `registered in etcd at http://127.0.0.1:2379`.
fn target(context: &Context<'_>) -> String {
    match context.args.registry() {
        Some(url) => words::AT_REGISTRY.with(&[("url", &url)]),
        None => words::AT_ADDRS.with(&[("addrs", &context.args.addrs(context.program).join(", "))]),
    }
}

/// The status message followed by the errors that caused it, e.g.
/// `tcp connect error: Connection refused (os error 111)`, on one line.
fn with_causes(status: &Status) -> String {
    // One line, whatever the server put in its message.
    let mut text = status.message().replace(['\r', '\n'], " ");
    for error in causes(status) {
        // An error of the system in the sentence's language.
        let line = match error.downcast_ref::<std::io::Error>() {
            Some(io) => lang::os_error(io),
            None => error.to_string(),
        };
        let line = line.replace(['\r', '\n'], " ");
        if !text.contains(&line) {
            text = format!("{text}: {line}");
        }
    }
    text
}
