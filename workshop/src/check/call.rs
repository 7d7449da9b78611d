//! `call N --addr HOST:PORT ...`: calls a classmate's `serve N` with your
//! client code where the exercise has some, and prints what comes back.
//!
//! | exercise | arguments | what it does |
//! |---|---|---|
//! | 1 | `[NAME]` | your `say_goodbye` |
//! | 2 | `[PID]` | your `check_pid` line (try 0 or -5) |
//! | 3 | `[FROM] [INTERVAL_MS]` | prints each tick as it comes |
//! | 4 | `NUMBER...` | your `summarize` |
//! | 5 | `[NAME]` | the chat room: your lines out, the others' in |
//! | 6 | | your `all_at_once`, then `one_after_another` |
//! | 7 | `[STEPS] [TIMEOUT_MS]` | your `work_with_deadline` |
//! | 8 | `[ID]` | your `ping_with_id` |
//! | 9 | | a call without the token, then one through your `attach_token` |
//! | 10 | `--ca FILE` | your `connect_tls`, trusting the CA `serve 10` wrote |
//! | 11 | `[NAME] [EMAIL] [AGE]` | your `sign_up` line (try `"" nobody 3`) |
//! | 12 | | a call without an id, then two through your `RequestIds` |
//! | 13 | `[DEADLINE_MS]` | your `fetch_with_retries` |
//! | 14 | `[STEPS] [TIMEOUT_MS]` | the relay, with a deadline |
//! | 16 | `[TRACEPARENT]` | the relay, with a traceparent (or `none`) |
//!
//! Exercise 15 has no `call` (nor `serve`): its servers and clients meet
//! through etcd, and both commands say what to run instead.

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
    str::FromStr,
    time::{Duration, Instant},
};

use plumbing::addr::AddrProblem;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Code, Status,
    transport::{Channel, Endpoint},
};
use workshop::text::ui;

use crate::{
    e01_unary::say_goodbye,
    e02_status::check_pid,
    e04_stats::summarize,
    e06_futures::{all_at_once, one_after_another},
    e07_deadlines::work_with_deadline,
    e08_metadata::ping_with_id,
    e09_auth::attach_token,
    e10_tls::connect_tls,
    e11_rich_errors::sign_up,
    e12_request_ids::RequestIds,
    e13_retries::fetch_with_retries,
    harness::status_line,
    pb::hop_client::HopClient,
    pb::{
        ChatMessage, CountdownRequest, EchoRequest, HelloRequest, chat_room_client::ChatRoomClient,
        countdown_client::CountdownClient, greeter_client::GreeterClient, pids_client::PidsClient,
        slow_client::SlowClient, stats_client::StatsClient, traced_client::TracedClient,
        vault_client::VaultClient, worker_client::WorkerClient,
    },
    pb::{
        SignupRequest, WorkRequest, flaky_client::FlakyClient, relay_client::RelayClient,
        signup_client::SignupClient, stamped_client::StampedClient,
    },
};

/// How long to try to reach the server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Exercise 3's defaults: a countdown from 5, a second apart.
const COUNTDOWN: (u32, u32) = (5, 1000);

/// Exercise 7's defaults: 10 steps of 50 ms (half a second of work) and a
/// deadline of 300 ms, which passes first.
const WORK: (u32, u64) = (10, 300);

/// Exercise 16's default: a caller's trace, sampled.
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// In the chat room, after your last line, how long to wait for the room to
/// echo it back (proof that it arrived) before leaving.
const LAST_ECHO_WAIT: Duration = Duration::from_secs(2);

/// What `call` was given.
#[derive(Debug)]
pub struct CallArgs {
    /// The exercise whose server is called.
    pub number: u8,
    /// The server's address, HOST:PORT.
    pub addr: String,
    /// Exercise 10: the CA certificate `serve 10` wrote.
    pub ca: Option<PathBuf>,
    /// The rest: the exercise's own arguments.
    pub args: Vec<String>,
}

/// Runs `call`, prints what came back; a failed call exits with 1.
pub fn call(args: CallArgs) -> ExitCode {
    if args.number == crate::serve::REGISTRY_EXERCISE {
        eprintln!("{}", ui::SERVE_NOT_FOR_REGISTRY);
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    crate::serve::print_panics_as_one_line(ui::CALL_PANIC);
    // In a task, so that a panic in your client code (a `todo!()` not done
    // yet) ends this call with its one line, not the program with a trace.
    let (number, addr) = (args.number, args.addr.clone());
    let shown = addr.clone();
    let called = runtime.block_on(async move {
        let called = tokio::spawn(call_exercise(args)).await;
        // A plaintext call that broke in transport (not a status the server
        // sent): was it to a TLS server? Asked once, in TLS.
        match called {
            Ok(Err(Failure::Status(status)))
                if number != 10
                    && std::error::Error::source(&status).is_some()
                    && plumbing::client::speaks_tls(&addr, CONNECT_TIMEOUT) =>
            {
                Ok(Err(Failure::SpeaksTls))
            }
            other => other,
        }
    });
    match called {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            eprintln!("{}", failure.explain(number, &shown));
            ExitCode::FAILURE
        }
        Err(_panicked) => ExitCode::FAILURE,
    }
}

/// Why a call did not go as it should: classified first, so that the
/// advice printed is true of the case at hand.
#[derive(Debug)]
pub enum Failure {
    /// The server answered the call with this status.
    Status(Status),
    /// `--addr` is not HOST:PORT, for this reason (the lesson clients'
    /// reading of an address: `plumbing::addr`).
    BadAddr(AddrProblem),
    /// This machine knows no host of that name.
    UnknownHost(String),
    /// The connection could not be made: nothing listens there, no answer
    /// in time, or another reason (the error, on one line).
    CannotConnect(Unreachable),
    /// The server speaks TLS and the call was plaintext (a `serve 10`).
    SpeaksTls,
    /// Something else, already said in words.
    Said(String),
}

/// Why a connection could not be made.
#[derive(Debug)]
pub enum Unreachable {
    /// The machine answered, but nothing listens on that port.
    Refused,
    /// No answer within [`CONNECT_TIMEOUT`]: a firewall, or an address of
    /// another network.
    NoAnswer,
    /// Over TLS: the server's certificate is signed by another CA than the
    /// one given with `--ca` (an older `serve 10`'s, or another file).
    OtherCa,
    /// Another reason: the error and its causes.
    Other(String),
}

impl From<String> for Failure {
    fn from(said: String) -> Self {
        Failure::Said(said)
    }
}

impl Failure {
    /// The one line to print about a call of exercise `number` to `addr`.
    pub fn explain(&self, number: u8, addr: &str) -> String {
        let number = &number;
        match self {
            Failure::Status(status) => match status.code() {
                // tonic's generated default for an rpc the proto declares
                // and the Rust code does not implement yet.
                Code::Unimplemented if status.message() == DEFAULT_STUB => {
                    ui::CALL_NOT_WRITTEN_YET.with(&[("addr", &addr), ("number", number)])
                }
                Code::Unimplemented => ui::CALL_WRONG_SERVER.with(&[
                    ("addr", &addr),
                    ("number", number),
                    ("service", &service_of(*number)),
                ]),
                _ => ui::CALL_FAILED.with(&[("status", &status_line(status))]),
            },
            Failure::BadAddr(problem) => ui::CALL_BAD_ADDR.with(&[
                ("addr", &addr),
                ("why", &workshop::text::address_problem(*problem)),
                ("number", number),
                ("port", &(crate::serve::BASE_PORT + u16::from(*number))),
            ]),
            Failure::UnknownHost(host) => {
                ui::CALL_UNKNOWN_HOST.with(&[("host", host), ("number", number)])
            }
            Failure::CannotConnect(Unreachable::Refused) => {
                ui::CALL_REFUSED.with(&[("addr", &addr), ("number", number)])
            }
            Failure::CannotConnect(Unreachable::NoAnswer) => ui::CALL_NO_ANSWER.with(&[
                ("addr", &addr),
                ("number", number),
                ("seconds", &CONNECT_TIMEOUT.as_secs()),
            ]),
            Failure::CannotConnect(Unreachable::OtherCa) => {
                ui::CALL_OTHER_CA.with(&[("addr", &addr), ("number", number)])
            }
            Failure::CannotConnect(Unreachable::Other(error)) => ui::CALL_CANNOT_CONNECT.with(&[
                ("addr", &addr),
                ("number", number),
                ("error", error),
            ]),
            Failure::SpeaksTls => ui::CALL_SPEAKS_TLS.with(&[("addr", &addr), ("number", number)]),
            Failure::Said(said) => said.clone(),
        }
    }
}

/// The message of the UNIMPLEMENTED that tonic's generated code answers
/// for an rpc of the proto not written in Rust yet (the default stubs
/// build.rs asks for).
const DEFAULT_STUB: &str = "Not yet implemented";

/// The gRPC service that exercise `number`'s `serve` offers.
fn service_of(number: u8) -> &'static str {
    use crate::pb;
    match number {
        1 => pb::greeter_server::SERVICE_NAME,
        2 => pb::pids_server::SERVICE_NAME,
        3 => pb::countdown_server::SERVICE_NAME,
        4 => pb::stats_server::SERVICE_NAME,
        5 => pb::chat_room_server::SERVICE_NAME,
        6 => pb::slow_server::SERVICE_NAME,
        7 => pb::worker_server::SERVICE_NAME,
        8 => pb::traced_server::SERVICE_NAME,
        11 => pb::signup_server::SERVICE_NAME,
        12 => pb::stamped_server::SERVICE_NAME,
        13 => pb::flaky_server::SERVICE_NAME,
        14 => pb::relay_server::SERVICE_NAME,
        16 => pb::hop_server::SERVICE_NAME,
        _ => pb::vault_server::SERVICE_NAME,
    }
}

/// Calls the server of `args.number`; the error is the line to print.
async fn call_exercise(args: CallArgs) -> Result<(), Failure> {
    let CallArgs {
        number,
        addr,
        ca,
        args,
    } = args;
    if number == 10 {
        return call_tls(&addr, ca).await;
    }
    let channel = connect(&addr).await?;
    match number {
        1 => {
            let name = args.first().map_or("world", String::as_str);
            let reply = say_goodbye(&mut GreeterClient::new(channel), name)
                .await
                .map_err(failed)?;
            println!("{reply}");
        }
        2 => {
            let pid = parse_or(&args, 0, std::process::id().try_into().unwrap_or(i32::MAX))?;
            println!("{}", check_pid(&mut PidsClient::new(channel), pid).await);
        }
        3 => {
            countdown(
                channel,
                parse_or(&args, 0, COUNTDOWN.0)?,
                parse_or(&args, 1, COUNTDOWN.1)?,
            )
            .await?
        }
        4 => {
            let values = (args.iter())
                .map(|arg| parse(arg))
                .collect::<Result<Vec<f64>, String>>()?;
            let summary = summarize(&mut StatsClient::new(channel), values)
                .await
                .map_err(failed)?;
            println!(
                "{}",
                ui::CALL_SUMMARY.with(&[
                    ("count", &summary.count),
                    ("min", &summary.min),
                    ("max", &summary.max),
                    ("mean", &summary.mean)
                ])
            );
        }
        5 => chat(channel, args.first().cloned().unwrap_or_else(own_name)).await?,
        6 => futures(channel).await?,
        7 => {
            let steps = parse_or(&args, 0, WORK.0)?;
            let timeout = Duration::from_millis(parse_or(&args, 1, WORK.1)?);
            println!(
                "{}",
                work_with_deadline(&mut WorkerClient::new(channel), steps, timeout).await
            );
        }
        8 => {
            let id = args.first().map_or("request-1", String::as_str);
            let echoed = ping_with_id(&mut TracedClient::new(channel), id)
                .await
                .map_err(failed)?;
            println!(
                "{}",
                ui::CALL_ECHOED.with(&[("id", &id), ("echoed", &echoed)])
            );
        }
        9 => vault(channel).await?,
        11 => {
            let request = SignupRequest {
                name: args.first().cloned().unwrap_or_else(|| "Ada".to_owned()),
                email: args
                    .get(1)
                    .cloned()
                    .unwrap_or_else(|| "ada@example.org".to_owned()),
                age: parse_or(&args, 2, 36)?,
            };
            println!(
                "{}",
                sign_up(&mut SignupClient::new(channel), request).await
            );
        }
        12 => stamped(channel).await?,
        14 => {
            let steps = parse_or(&args, 0, WORK.0)?;
            let timeout = Duration::from_millis(parse_or(&args, 1, WORK.1)?);
            let mut request = tonic::Request::new(WorkRequest { steps });
            request.set_timeout(timeout);
            let line = match RelayClient::new(channel).relay(request).await {
                Ok(reply) => ui::CALL_RELAYED.with(&[("steps", &reply.into_inner().steps_done)]),
                // tonic's own timer may end the call a moment before the
                // relay's DEADLINE_EXCEEDED arrives: the same news.
                Err(status)
                    if status.code() == Code::Cancelled
                        && status.message() == "Timeout expired" =>
                {
                    let status = Status::deadline_exceeded(status.message());
                    ui::CALL_FAILED.with(&[("status", &status_line(&status))])
                }
                Err(status) => ui::CALL_FAILED.with(&[("status", &status_line(&status))]),
            };
            println!("{line}");
        }
        16 => {
            // `none` sends no traceparent: the relay starts a trace.
            let sent = match args.first().map(String::as_str) {
                Some("none") => None,
                Some(traceparent) => Some(traceparent),
                None => Some(TRACEPARENT),
            };
            let mut request = tonic::Request::new(HelloRequest {
                name: "trace".to_owned(),
            });
            if let Some(sent) = sent {
                let value =
                    (sent.parse()).map_err(|_| ui::CALL_NOT_METADATA.with(&[("value", &sent)]))?;
                request
                    .metadata_mut()
                    .insert(crate::e16_trace_context::TRACEPARENT, value);
            }
            let reply = (HopClient::new(channel).hop(request).await).map_err(failed)?;
            let sent = sent.map_or_else(|| ui::CALL_NO_TRACEPARENT.to_string(), str::to_owned);
            println!(
                "{}",
                ui::CALL_TRACED.with(&[("sent", &sent), ("reply", &reply.into_inner().message)])
            );
        }
        13 => {
            let deadline = Duration::from_millis(parse_or(&args, 0, 2000)?);
            let fetched = fetch_with_retries(&mut FlakyClient::new(channel), deadline)
                .await
                .map_err(failed)?;
            println!(
                "{}",
                ui::CALL_FETCHED.with(&[
                    ("message", &fetched.message),
                    ("attempts", &fetched.attempts)
                ])
            );
        }
        _ => return Err(ui::NO_SUCH_EXERCISE.with(&[("number", &number)]).into()),
    }
    Ok(())
}

/// A channel to `addr`, connected, or why there is none.
///
/// The address is read as the lesson clients read it, the name is looked up
/// here, and only then is the connection made: so a typo in the address, a
/// name this machine does not know and a server that is not there are each
/// told apart, with the advice that fits.
async fn connect(addr: &str) -> Result<Channel, Failure> {
    let resolved = resolve(addr).await?;
    Endpoint::from_shared(format!("http://{resolved}"))
        .map_err(|e| Failure::CannotConnect(Unreachable::Other(e.to_string())))?
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await
        .map_err(|e| Failure::CannotConnect(unreachable(&e)))
}

/// `addr` (HOST:PORT) checked and looked up.
async fn resolve(addr: &str) -> Result<SocketAddr, Failure> {
    plumbing::addr::check(addr, false).map_err(|bad| Failure::BadAddr(bad.problem))?;
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let unknown = || Failure::UnknownHost(host.to_owned());
    let mut found = tokio::net::lookup_host(addr).await.map_err(|_| unknown())?;
    found.next().ok_or_else(unknown)
}

/// Why a connection failed, from the error and its causes.
fn unreachable(error: &(dyn std::error::Error + 'static)) -> Unreachable {
    let mut cause = Some(error);
    while let Some(error) = cause {
        // The TLS error under an I/O error (the handshake failed).
        let io = error.downcast_ref::<std::io::Error>();
        let tls = (io.and_then(std::io::Error::get_ref))
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .or_else(|| error.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::BadSignature | rustls::CertificateError::UnknownIssuer,
        )) = tls
        {
            return Unreachable::OtherCa;
        }
        if let Some(io) = io {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Unreachable::Refused,
                std::io::ErrorKind::TimedOut => return Unreachable::NoAnswer,
                _ if tls.is_none() => return Unreachable::Other(workshop::text::os_error(io)),
                _ => {}
            }
        }
        cause = error.source();
    }
    Unreachable::Other(crate::serve::error_chain(error))
}

/// A failed call.
fn failed(status: Status) -> Failure {
    Failure::Status(status)
}

/// Argument `index` parsed, or `default` when there is none.
fn parse_or<T: FromStr>(args: &[String], index: usize, default: T) -> Result<T, String> {
    args.get(index).map_or(Ok(default), |arg| parse(arg))
}

/// `arg` parsed as a number, or the words that say it is not one.
fn parse<T: FromStr>(arg: &str) -> Result<T, String> {
    arg.parse()
        .map_err(|_| ui::CALL_NOT_A_NUMBER.with(&[("arg", &format!("{arg:?}"))]))
}

/// Exercise 3: prints each tick as it comes.
async fn countdown(channel: Channel, from: u32, interval_ms: u32) -> Result<(), Failure> {
    let request = CountdownRequest { from, interval_ms };
    let mut ticks = CountdownClient::new(channel)
        .countdown(request)
        .await
        .map_err(failed)?
        .into_inner();
    while let Some(tick) = ticks.message().await.map_err(failed)? {
        println!("{}", tick.remaining);
    }
    println!("{}", ui::CALL_COUNTDOWN_OVER);
    Ok(())
}

/// Exercise 6: your two ways of making the same three calls, timed.
async fn futures(channel: Channel) -> Result<(), Failure> {
    let requests = || {
        [("slow", 900), ("medium", 450), ("fast", 30)].map(|(text, delay_ms)| EchoRequest {
            text: text.to_owned(),
            delay_ms,
        })
    };
    let mut client = SlowClient::new(channel);
    for at_once in [true, false] {
        let started = Instant::now();
        let (replies, way) = if at_once {
            (
                all_at_once(&client, requests().into()).await,
                ui::CALL_AT_ONCE,
            )
        } else {
            let replies = one_after_another(&mut client, requests().into()).await;
            (replies, ui::CALL_IN_TURN)
        };
        let replies = replies.map_err(failed)?;
        let took = started.elapsed().as_millis();
        println!(
            "{}",
            way.with(&[("replies", &replies.join(", ")), ("ms", &took)])
        );
    }
    Ok(())
}

/// Exercise 9: refused without the token, let in with your `attach_token`.
async fn vault(channel: Channel) -> Result<(), Failure> {
    let without = VaultClient::new(channel.clone())
        .open(HelloRequest::default())
        .await;
    let line = match without {
        Ok(reply) => reply.into_inner().message,
        Err(status) => status_line(&status),
    };
    println!("{}", ui::CALL_WITHOUT_TOKEN.with(&[("answer", &line)]));
    let reply = VaultClient::with_interceptor(channel, attach_token)
        .open(HelloRequest::default())
        .await
        .map_err(failed)?;
    println!(
        "{}",
        ui::CALL_WITH_TOKEN.with(&[("answer", &reply.into_inner().message)])
    );
    Ok(())
}

/// Exercise 12: refused without an id; two calls through your `RequestIds`,
/// each stamped with its own.
async fn stamped(channel: Channel) -> Result<(), Failure> {
    let without = StampedClient::new(channel.clone())
        .stamp(HelloRequest::default())
        .await;
    let line = match without {
        Ok(reply) => reply.into_inner().message,
        Err(status) => status_line(&status),
    };
    println!("{}", ui::CALL_WITHOUT_ID.with(&[("answer", &line)]));
    let client = StampedClient::with_interceptor(channel, RequestIds::default());
    for _ in 0..2 {
        let reply = client
            .clone()
            .stamp(HelloRequest::default())
            .await
            .map_err(failed)?;
        println!(
            "{}",
            ui::CALL_WITH_IDS.with(&[("answer", &reply.into_inner().message)])
        );
    }
    Ok(())
}

/// Exercise 10: your `connect_tls`, trusting the CA in `ca`.
async fn call_tls(addr: &str, ca: Option<PathBuf>) -> Result<(), Failure> {
    let ca = ca.ok_or_else(|| ui::CALL_NEEDS_CA.to_string())?;
    let ca_cert = std::fs::read_to_string(&ca)
        .map_err(|e| format!("--ca {}: {}", ca.display(), workshop::text::os_error(&e)))?;
    let resolved = resolve(addr).await?;
    let mut client = connect_tls(resolved, &ca_cert)
        .await
        .map_err(|e| Failure::CannotConnect(unreachable(&e)))?;
    let reply = client
        .whisper(HelloRequest::default())
        .await
        .map_err(failed)?;
    println!("{}", reply.into_inner().message);
    Ok(())
}

/// A name for the chat room when none is given: the user's login.
fn own_name() -> String {
    ["USER", "USERNAME"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_else(|| "guest".to_owned())
}

/// A classmate's text as it is safe to print: control characters (a
/// terminal's escape codes, say) shown escaped rather than obeyed.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Exercise 5: joins the room as `name`; each line typed goes to the room,
/// each line from someone else is printed; end of input leaves.
async fn chat(channel: Channel, name: String) -> Result<(), Failure> {
    let (says, said) = mpsc::channel(16);
    let mut hears = ChatRoomClient::new(channel)
        .chat(ReceiverStream::new(said))
        .await
        .map_err(failed)?
        .into_inner();
    println!("{}", ui::CALL_CHAT_JOINED.with(&[("name", &name)]));

    // Reading a terminal blocks, so it gets a thread of its own, which hands
    // each line to the async side through a channel.
    let (typed, mut lines) = mpsc::channel::<String>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if typed.blocking_send(line).is_err() {
                break;
            }
        }
    });

    // Your own lines come back from the room too: once the last one has, it
    // surely arrived, and you can leave without cutting it off.
    let mut not_yet_back = 0_usize;
    let mut leave_by: Option<tokio::time::Instant> = None;
    loop {
        // Only waited on once input has ended (the branch's `if`).
        let deadline = leave_by.unwrap_or_else(tokio::time::Instant::now);
        tokio::select! {
            line = lines.recv(), if leave_by.is_none() => match line {
                Some(text) => {
                    let message = ChatMessage { from: name.clone(), text };
                    if says.send(message).await.is_err() {
                        break;
                    }
                    not_yet_back += 1;
                }
                None if not_yet_back == 0 => break,
                None => leave_by = Some(tokio::time::Instant::now() + LAST_ECHO_WAIT),
            },
            heard = hears.message() => match heard.map_err(failed)? {
                Some(message) if message.from == name => {
                    not_yet_back = not_yet_back.saturating_sub(1);
                    if leave_by.is_some() && not_yet_back == 0 {
                        break;
                    }
                }
                Some(message) => println!("{}: {}", printable(&message.from), printable(&message.text)),
                None => {
                    println!("{}", ui::CALL_CHAT_CLOSED);
                    return Ok(());
                }
            },
            () = tokio::time::sleep_until(deadline), if leave_by.is_some() => break,
        }
    }
    println!("{}", ui::CALL_CHAT_LEFT);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classmates_escape_codes_are_shown_not_obeyed() {
        assert_eq!(printable("hi\u{1b}[2Jthere"), "hi\\u{1b}[2Jthere");
        assert_eq!(printable("olá, ação"), "olá, ação");
    }

    /// Runs `check` on a runtime of its own.
    fn block_on<F: std::future::Future>(check: F) -> F::Output {
        tokio::runtime::Runtime::new().unwrap().block_on(check)
    }

    #[test]
    fn an_address_that_is_not_host_port_says_what_is_wrong_with_it() {
        for (addr, problem, words) in [
            (
                "127.0.0.1;50051",
                AddrProblem::Semicolon,
                "a ';' where the ':'",
            ),
            ("localhost", AddrProblem::NoPort, "it has no port"),
            (
                "http://127.0.0.1:50051",
                AddrProblem::Scheme,
                "drop the scheme",
            ),
        ] {
            let failure = block_on(resolve(addr)).unwrap_err();
            assert!(
                matches!(failure, Failure::BadAddr(found) if found == problem),
                "{addr}: {failure:?}"
            );
            let line = failure.explain(1, addr);
            assert!(line.contains(words), "{addr}: {line}");
            assert!(line.contains("is not HOST:PORT"), "{addr}: {line}");
        }
    }

    #[test]
    fn a_name_this_machine_does_not_know_is_told_apart() {
        // `.invalid` never resolves (RFC 6761), with a network or without.
        let failure = block_on(resolve("no-such-classmate.invalid:50051")).unwrap_err();
        assert!(matches!(failure, Failure::UnknownHost(_)), "{failure:?}");
        let line = failure.explain(1, "no-such-classmate.invalid:50051");
        assert!(
            line.contains("does not know a host named no-such-classmate.invalid"),
            "{line}"
        );
    }

    #[test]
    fn a_port_nothing_listens_on_is_refused() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .to_string();
        // The listener is closed: nothing listens there now.
        let failure = block_on(connect(&addr)).unwrap_err();
        assert!(
            matches!(failure, Failure::CannotConnect(Unreachable::Refused)),
            "{failure:?}"
        );
        let line = failure.explain(3, &addr);
        assert!(line.contains("nothing listens at"), "{line}");
        assert!(line.contains("serve 3"), "{line}");
    }

    /// How exercise 1's `say_hello` fails against `routes`, served for real.
    fn say_hello_to(routes: tonic::service::Routes) -> Failure {
        block_on(async {
            let server = crate::harness::serve(routes).await.unwrap();
            let channel = connect(&server.addr.to_string()).await.unwrap();
            GreeterClient::new(channel)
                .say_hello(HelloRequest::default())
                .await
                .map_err(failed)
                .unwrap_err()
        })
    }

    #[test]
    fn another_exercises_server_is_named_the_wrong_server() {
        use crate::{e02_status::PidsService, pb::pids_server::PidsServer};
        let failure = say_hello_to(tonic::service::Routes::new(PidsServer::new(PidsService)));
        let line = failure.explain(1, "127.0.0.1:50051");
        assert!(
            line.contains("does not serve workshop.Greeter (UNIMPLEMENTED): it is not a `serve 1`"),
            "{line}"
        );
    }

    #[test]
    fn an_rpc_declared_but_not_written_is_not_the_wrong_server() {
        use crate::pb::greeter_server::{Greeter, GreeterServer};
        /// A greeter that writes none of its rpcs: tonic's default stubs answer.
        struct NothingWritten;
        impl Greeter for NothingWritten {}
        let failure = say_hello_to(tonic::service::Routes::new(GreeterServer::new(
            NothingWritten,
        )));
        let line = failure.explain(1, "127.0.0.1:50051");
        assert!(line.contains("has no Rust code for it yet"), "{line}");
    }

    #[test]
    fn numbers_are_parsed_with_a_default_and_a_clear_refusal() {
        let args = vec!["7".to_owned(), "x".to_owned()];
        assert_eq!(parse_or(&args, 0, 1_u32), Ok(7));
        assert_eq!(parse_or(&args, 2, 1_u32), Ok(1));
        let refusal = parse_or(&args, 1, 1_u32).unwrap_err();
        assert!(refusal.contains("\"x\""), "{refusal}");
    }
}
