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

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
    str::FromStr,
    time::{Duration, Instant},
};

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Status,
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
    harness::status_line,
    pb::{
        ChatMessage, CountdownRequest, EchoRequest, HelloRequest, chat_room_client::ChatRoomClient,
        countdown_client::CountdownClient, greeter_client::GreeterClient, pids_client::PidsClient,
        slow_client::SlowClient, stats_client::StatsClient, traced_client::TracedClient,
        vault_client::VaultClient, worker_client::WorkerClient,
    },
};

/// How long to try to reach the server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Exercise 3's defaults: a countdown from 5, a second apart.
const COUNTDOWN: (u32, u32) = (5, 1000);

/// Exercise 7's defaults: 10 steps of 50 ms (half a second of work) and a
/// deadline of 300 ms, which passes first.
const WORK: (u32, u64) = (10, 300);

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
    let called = runtime.block_on(async move { tokio::spawn(call_exercise(args)).await });
    match called {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(why)) => {
            eprintln!("{why}");
            ExitCode::FAILURE
        }
        Err(_panicked) => ExitCode::FAILURE,
    }
}

/// Calls the server of `args.number`; the error is the line to print.
async fn call_exercise(args: CallArgs) -> Result<(), String> {
    let CallArgs {
        number,
        addr,
        ca,
        args,
    } = args;
    if number == 10 {
        return call_tls(&addr, ca).await;
    }
    let channel = connect(number, &addr).await?;
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
        _ => return Err(ui::NO_SUCH_EXERCISE.with(&[("number", &number)])),
    }
    Ok(())
}

/// A channel to `addr`, or the words that say why there is none.
async fn connect(number: u8, addr: &str) -> Result<Channel, String> {
    let cannot = |error: &dyn std::fmt::Display| {
        ui::CALL_CANNOT_CONNECT.with(&[("addr", &addr), ("number", &number), ("error", error)])
    };
    Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| cannot(&e))?
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await
        .map_err(|e| cannot(&crate::serve::error_chain(&e)))
}

/// A failed call, as the line to print.
fn failed(status: Status) -> String {
    ui::CALL_FAILED.with(&[("status", &status_line(&status))])
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
async fn countdown(channel: Channel, from: u32, interval_ms: u32) -> Result<(), String> {
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
async fn futures(channel: Channel) -> Result<(), String> {
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
async fn vault(channel: Channel) -> Result<(), String> {
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

/// Exercise 10: your `connect_tls`, trusting the CA in `ca`.
async fn call_tls(addr: &str, ca: Option<PathBuf>) -> Result<(), String> {
    let ca = ca.ok_or_else(|| ui::CALL_NEEDS_CA.to_string())?;
    let ca_cert = std::fs::read_to_string(&ca).map_err(|e| format!("{}: {e}", ca.display()))?;
    let resolved: Option<SocketAddr> = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| {
            ui::CALL_CANNOT_CONNECT.with(&[("addr", &addr), ("number", &10), ("error", &e)])
        })?
        .next();
    let resolved = resolved.ok_or_else(|| ui::CALL_NOT_AN_ADDRESS.with(&[("addr", &addr)]))?;
    let mut client = connect_tls(resolved, &ca_cert).await.map_err(|e| {
        ui::CALL_CANNOT_CONNECT.with(&[
            ("addr", &addr),
            ("number", &10),
            ("error", &crate::serve::error_chain(&e)),
        ])
    })?;
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
async fn chat(channel: Channel, name: String) -> Result<(), String> {
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

    #[test]
    fn numbers_are_parsed_with_a_default_and_a_clear_refusal() {
        let args = vec!["7".to_owned(), "x".to_owned()];
        assert_eq!(parse_or(&args, 0, 1_u32), Ok(7));
        assert_eq!(parse_or(&args, 2, 1_u32), Ok(1));
        let refusal = parse_or(&args, 1, 1_u32).unwrap_err();
        assert!(refusal.contains("\"x\""), "{refusal}");
    }
}
