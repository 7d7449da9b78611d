//! Everything `tracing` logs in a test program, for tests that check what
//! a server or client says in its log.

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::{Duration, Instant},
};

/// How often [`wait_for_log`] looks again.
const LOOK_AGAIN: Duration = Duration::from_millis(10);

/// Where the logs are kept, once [`capture_logs`] has been called.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Keeps every log line at `level` and above, in memory, for the rest of
/// this test program (a global subscriber: the first call's level holds).
/// Tests look for their own lines (a pid of their own, say). TRACE keeps
/// the HTTP/2 library's every frame: tests that measure memory choose INFO.
pub fn capture_logs(level: tracing::Level) {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || Writer(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in a test program");
        buffer
    });
}

/// Everything logged so far in this test program; the first call captures
/// at every level, if [`capture_logs`] has not chosen one.
pub fn captured_logs() -> String {
    capture_logs(tracing::Level::TRACE);
    let Some(logs) = LOGS.get() else {
        return String::new();
    };
    let bytes = logs.lock().unwrap_or_else(PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Waits (5 s at most) until a logged line contains every one of `parts`;
/// returns that line, or `None`.
pub async fn wait_for_log(parts: &[&str]) -> Option<String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let logs = captured_logs();
        let line = logs
            .lines()
            .find(|line| parts.iter().all(|part| line.contains(part)));
        if let Some(line) = line {
            return Some(line.to_owned());
        }
        tokio::time::sleep(LOOK_AGAIN).await;
    }
    None
}

/// Appends what it is given to the shared log buffer.
struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut logs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        logs.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
