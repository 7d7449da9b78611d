//! What runs a check: a fresh runtime, a time limit, a net for panics, and
//! a server for your service on a runtime with one thread.
//!
//! A starter file is full of `todo!()`, which panics when reached. The
//! harness catches those panics (in the check itself, in your server and in
//! its tasks), and turns them into "not yet" with the file and line, rather
//! than a backtrace.
//!
//! Why one thread for your server: an async server shares few threads among
//! many calls, and a call that *blocks* its thread (`std::thread::sleep`, a
//! blocking read) stops every other call on it. On a big machine with many
//! threads that hides until the day it is busy; on one thread it shows at
//! once, as two calls that should overlap running one after the other. The
//! checks of every exercise whose handler waits make two calls at once and
//! time them.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        Mutex, Once,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::{runtime::Handle, sync::oneshot};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    service::Routes,
    transport::{Channel, Endpoint},
};
use workshop::text::checks as t;

/// How long one check may take before it counts as stuck. Each wait in a
/// check has a shorter limit of its own, which says what did not come.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// How long a finished check's runtime gets to end its tasks.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step of the exercise works.
    Done,
    /// Something is still missing or wrong: what, in words.
    NotYet(String),
}

/// Where a check prints the steps that already work.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// Print nothing: the list only wants done or not yet.
    pub quiet: bool,
}

impl Report {
    /// Reports a step that works.
    pub fn ok(&self, step: impl std::fmt::Display) {
        if !self.quiet {
            println!("  {} {step}", t::OK);
        }
    }
}

/// The panics caught since the current check began, as `file:line: message`.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether a check is running: only its panics are caught.
static CHECKING: AtomicBool = AtomicBool::new(false);

/// The name of every thread a check runs on (its runtime's, and its
/// server's): a panic on another thread is none of the check's business.
const CHECK_THREAD: &str = "workshop-check";

/// One check at a time: the caught panics are kept in one place.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// While a check runs, notes each panic in [`PANICS`] instead of printing
/// it; at other times, panics are printed as usual. Installed once.
fn catch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let usual = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_a_check_thread = std::thread::current().name() == Some(CHECK_THREAD);
            if !(CHECKING.load(Ordering::SeqCst) && on_a_check_thread) {
                return usual(info);
            }
            if let Ok(mut panics) = PANICS.lock() {
                panics.push(describe_panic(info));
            }
        }));
    });
}

/// A panic as `file:line: message`.
pub fn describe_panic(info: &std::panic::PanicHookInfo<'_>) -> String {
    let message = (info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let place = info.location().map_or(String::new(), |location| {
        format!("{}:{}", location.file(), location.line())
    });
    format!("{place}: {message}")
}

/// Forgets the panics caught so far in this check: for a check that saw a
/// panic coming and explains it better than "the code panicked at".
pub fn forget_panics() {
    PANICS.lock().map(|mut panics| panics.clear()).ok();
}

/// Runs `check` on a runtime of its own, within the time limit, and says
/// what it found. A panic anywhere (a `todo!()` in your file, in the check
/// or in one of the server's tasks) is reported as where it happened.
pub fn run<F, C>(check: C) -> Outcome
where
    C: FnOnce() -> F,
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    catch_panics();
    forget_panics();
    CHECKING.store(true, Ordering::SeqCst);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CHECK_THREAD)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return Outcome::NotYet(t::NO_RUNTIME.with(&[("error", &e)])),
    };
    let result = runtime.block_on(async {
        match tokio::time::timeout(TIME_LIMIT, tokio::spawn(check())).await {
            Ok(Ok(result)) => result,
            Ok(Err(_panicked)) => Err(String::new()),
            Err(_) => Err(t::TIME_LIMIT.with(&[("seconds", &TIME_LIMIT.as_secs())])),
        }
    });
    // Tasks still running (a stream, a client) are dropped here, and with
    // them the check's server, whose thread then stops too.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    CHECKING.store(false, Ordering::SeqCst);

    let mut panics = PANICS.lock().map(|p| p.clone()).unwrap_or_default();
    // Several panics (the server's task and the client's, say): report the
    // one highest in the file first, as a reader would meet them.
    panics.sort_by_key(|panic| place_of(panic));
    match (result, panics.first()) {
        (Ok(()), _) => Outcome::Done,
        // A panic is the best explanation of a failure: it says where.
        (Err(reason), Some(panic)) => Outcome::NotYet(explain_panic(panic, &reason)),
        (Err(reason), None) => Outcome::NotYet(reason),
    }
}

/// The file and line of a caught panic, to sort by.
fn place_of(panic: &str) -> (String, u32) {
    let place = panic.split(": ").next().unwrap_or_default();
    match place.rsplit_once(':') {
        Some((file, line)) => (file.to_owned(), line.parse().unwrap_or(u32::MAX)),
        None => (place.to_owned(), u32::MAX),
    }
}

/// Words for a caught panic, and for what the check saw because of it
/// (`reason`): a `todo!()` needs no more than its place, but for another
/// panic (an `unwrap`, say) the reason tells what input brought it about.
fn explain_panic(panic: &str, reason: &str) -> String {
    match panic.split_once(": not yet implemented") {
        Some((place, what)) => match what.strip_prefix(": ") {
            Some(what) => {
                t::TODO_WITH_TEXT.with(&[("what", &format!("{what:?}")), ("place", &place)])
            }
            None => t::TODO.with(&[("place", &place)]),
        },
        None if reason.is_empty() => t::PANICKED.with(&[("panic", &panic)]),
        None => t::PANICKED_WHILE.with(&[("panic", &panic), ("reason", &reason)]),
    }
}

/// Your service, served on `127.0.0.1:0` for one check, on a runtime with a
/// single thread of its own. It stops when this is dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its runtime, to count the tasks your code left running.
    runtime: Handle,
    /// Dropped with the server: tells its thread to stop.
    _stop: oneshot::Sender<()>,
}

impl TestServer {
    /// How many tasks are alive on the server's runtime: the connections'
    /// and the ones your code spawned.
    pub fn live_tasks(&self) -> usize {
        self.runtime.metrics().num_alive_tasks()
    }
}

/// Serves `routes` for a check, the way `serve` serves them for a classmate
/// (a panic in a handler answers INTERNAL), but on a thread of its own with
/// a one-thread runtime: see the module's comment for why.
pub async fn serve(routes: Routes) -> Result<TestServer, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
        .map_err(|e| t::CANNOT_LISTEN.with(&[("error", &e)]))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (started, runtime) = oneshot::channel();
    std::thread::Builder::new()
        .name(CHECK_THREAD.to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .thread_name(CHECK_THREAD)
                .enable_all()
                .build();
            let runtime = match runtime {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = started.send(Err(e.to_string()));
                    return;
                }
            };
            // A tokio listener belongs to a runtime: made inside this one.
            let incoming = {
                let _inside = runtime.enter();
                tokio::net::TcpListener::from_std(listener).map(TcpListenerStream::new)
            };
            let incoming = match incoming {
                Ok(incoming) => incoming,
                Err(e) => {
                    let _ = started.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = started.send(Ok(runtime.handle().clone()));
            let server = crate::serve::builder(false)
                .add_routes(routes)
                .serve_with_incoming(incoming);
            // Until the check is over: then every task of this runtime,
            // your code's included, is dropped with it.
            runtime.block_on(async move {
                tokio::select! {
                    _ = server => {}
                    _ = stopped => {}
                }
            });
        })
        .map_err(|e| e.to_string())?;
    let runtime = runtime.await.map_err(|e| e.to_string())??;
    Ok(TestServer {
        addr,
        runtime,
        _stop: stop,
    })
}

/// A channel to `addr`, connected now.
pub async fn channel(addr: SocketAddr) -> Result<Channel, String> {
    Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| t::CANNOT_CONNECT.with(&[("addr", &addr), ("error", &e)]))
}

/// One line for a failed call: the canonical code and the message.
pub fn status_line(status: &tonic::Status) -> String {
    format!("{}: {}", crate::code_name(status.code()), status.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_is_not_yet_with_its_place() {
        let outcome = run(|| async { todo!("write the countdown") });
        let Outcome::NotYet(why) = outcome else {
            panic!("a todo!() passed")
        };
        assert!(
            why.starts_with("still to do: todo!(\"write the countdown\") at "),
            "{why}"
        );
        assert!(why.contains("workshop/src/check/harness.rs:"), "{why}");
    }

    #[test]
    fn a_panic_in_a_spawned_task_is_found_too() {
        let outcome = run(|| async {
            let _ = tokio::spawn(async { todo!() }).await;
            Err("the reply never came".to_owned())
        });
        assert!(matches!(outcome, Outcome::NotYet(why) if why.contains("todo!()")));
    }

    #[test]
    fn a_wrong_answer_is_not_yet_and_a_right_one_is_done() {
        assert_eq!(
            run(|| async { Err("expected 5, received 4".to_owned()) }),
            Outcome::NotYet("expected 5, received 4".to_owned())
        );
        assert_eq!(run(|| async { Ok(()) }), Outcome::Done);
    }

    #[test]
    fn a_panic_the_check_explains_gives_the_checks_words() {
        let outcome = run(|| async {
            let _ = tokio::spawn(async { panic!("unwrap on a bad id") }).await;
            forget_panics();
            Err("the client panics on a bad id".to_owned())
        });
        assert_eq!(
            outcome,
            Outcome::NotYet("the client panics on a bad id".to_owned())
        );
    }
}
