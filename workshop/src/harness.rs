//! What runs a check: a fresh runtime, a time limit, and a net for panics.
//!
//! A starter file is full of `todo!()`, which panics when reached. The
//! harness catches those panics (in the check itself and in the server's
//! tasks), and turns them into "not yet" with the file and line, rather
//! than a backtrace.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        Mutex, Once,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    service::Routes,
    transport::{Channel, Endpoint, Server},
};

/// How long one check may take before it counts as stuck.
const TIME_LIMIT: Duration = Duration::from_secs(20);

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
            println!("  [ok] {step}");
        }
    }
}

/// The panics caught since the current check began, as `file:line: message`.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether a check is running: only its panics are caught.
static CHECKING: AtomicBool = AtomicBool::new(false);

/// One check at a time: the caught panics are kept in one place.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// While a check runs, notes each panic in [`PANICS`] instead of printing
/// it; at other times, panics are printed as usual. Installed once.
fn catch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let usual = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CHECKING.load(Ordering::SeqCst) {
                return usual(info);
            }
            let message = (info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info.location().map_or(String::new(), |location| {
                format!("{}:{}", shorten(location.file()), location.line())
            });
            if let Ok(mut panics) = PANICS.lock() {
                panics.push(format!("{place}: {message}"));
            }
        }));
    });
}

/// `workshop/src/../../exercises/01_unary.rs` → `workshop/exercises/01_unary.rs`.
fn shorten(file: &str) -> String {
    match file
        .rfind("exercises/")
        .or_else(|| file.rfind("exercises\\"))
    {
        Some(at) => format!("workshop/{}", &file[at..].replace('\\', "/")),
        None => file.to_owned(),
    }
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
    PANICS.lock().map(|mut panics| panics.clear()).ok();
    CHECKING.store(true, Ordering::SeqCst);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return Outcome::NotYet(format!("cannot start a tokio runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match tokio::time::timeout(TIME_LIMIT, tokio::spawn(check())).await {
            Ok(Ok(result)) => result,
            Ok(Err(_panicked)) => Err(String::new()),
            Err(_) => Err(format!(
                "the check got no answer within {} s: is something waiting forever?",
                TIME_LIMIT.as_secs()
            )),
        }
    });
    // Tasks still running (a server, a stream) are dropped here.
    runtime.shutdown_timeout(Duration::from_secs(1));
    CHECKING.store(false, Ordering::SeqCst);

    let mut panics = PANICS.lock().map(|p| p.clone()).unwrap_or_default();
    // Several panics (the server's task and the client's, say): report the
    // one highest in the file first, as a reader would meet them.
    panics.sort_by_key(|panic| place_of(panic));
    match (result, panics.first()) {
        (Ok(()), _) => Outcome::Done,
        // A panic is the best explanation of a failure: it says where.
        (Err(_), Some(panic)) => Outcome::NotYet(explain_panic(panic)),
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

/// Words for a caught panic.
fn explain_panic(panic: &str) -> String {
    match panic.split_once(": not yet implemented") {
        Some((place, what)) => match what.strip_prefix(": ") {
            Some(what) => format!("still to do: todo!({what:?}) at {place}"),
            None => format!("still to do: todo!() at {place}"),
        },
        None => format!("the code panicked at {panic}"),
    }
}

/// A server for a check: your service on `127.0.0.1:0`, serving in the
/// background until the check's runtime ends.
pub async fn serve(routes: Routes) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = Server::builder()
        .add_routes(routes)
        .serve_with_incoming(TcpListenerStream::new(listener));
    tokio::spawn(server);
    Ok(addr)
}

/// A channel to `addr`, connected now.
pub async fn channel(addr: SocketAddr) -> Result<Channel, String> {
    Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| format!("cannot connect to the check's server at {addr}: {e}"))
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
        assert!(why.contains("harness.rs:"), "{why}");
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
    fn exercise_paths_are_shown_from_the_repository_root() {
        assert_eq!(
            shorten("workshop/src/../../exercises/03_countdown.rs"),
            "workshop/exercises/03_countdown.rs"
        );
    }
}
