//! Ctrl-C in the `workshop` program, which runs the check program as a
//! child process for `check`, `serve`, `call` and each step of `watch`.
//!
//! A terminal's Ctrl-C goes to every process of the command: to this one
//! and to the check program under it. The check program knows what to do
//! with it (`serve` stops its server in order: a grace period, then
//! UNAVAILABLE for the calls still open; a second Ctrl-C stops it now), so
//! while it runs, this program only waits for it: were this one to end at
//! once, the prompt would come back while the server, its child, went on
//! serving in the background with no terminal to stop it.
//!
//! With no child running (`watch` waiting for a save, say), Ctrl-C ends
//! this program at once.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a check program is running now.
static CHILD_RUNNING: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed while a check program was running.
static PRESSED: AtomicBool = AtomicBool::new(false);

/// The exit code of a program ended by Ctrl-C, as shells report it
/// (128 + SIGINT's number).
pub const EXIT_CODE: u8 = 130;

/// From now on, Ctrl-C is handled as this module says. Call it once, at
/// the start of `main`.
pub fn install() {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    else {
        // No handler: Ctrl-C then ends this program as it ends any other.
        return;
    };
    std::thread::spawn(move || {
        runtime.block_on(async {
            while tokio::signal::ctrl_c().await.is_ok() {
                if CHILD_RUNNING.load(Ordering::SeqCst) {
                    // The child heard it too, and stops; we wait for it.
                    PRESSED.store(true, Ordering::SeqCst);
                } else {
                    std::process::exit(i32::from(EXIT_CODE));
                }
            }
        });
    });
}

/// Runs `child` (which starts a check program and waits for its end) with
/// Ctrl-C left to that program.
pub fn while_child_runs<T>(child: impl FnOnce() -> T) -> T {
    CHILD_RUNNING.store(true, Ordering::SeqCst);
    let ran = child();
    CHILD_RUNNING.store(false, Ordering::SeqCst);
    ran
}

/// Whether Ctrl-C was pressed while a check program ran: the command is
/// over, whatever it was doing.
pub fn pressed() -> bool {
    PRESSED.load(Ordering::SeqCst)
}
