//! How the relay and the backend say what happened to a call.
//!
//! Each server describes a call as a few events (an enum in its own
//! module, whose `Display` is the log line). [`Events`] logs each one and,
//! when a test asked for them, also sends it down a channel: a test then
//! waits for "the backend was cancelled" itself, not for a log line to show
//! up or a sleep to end.
//!
//! [`IfDropped`] is how a handler notices that it was cancelled. In async
//! Rust a cancelled call is not told anything: tonic simply *drops* the
//! handler's future, which stops it at the `.await` where it stood. What a
//! drop does run is the `Drop` of every value the future holds, so a value
//! whose `Drop` reports "cancelled" sees it happen.

use std::fmt::Display;

use tokio::sync::mpsc;
use tracing::info;

/// Where a server's events go: always the log, and a test's channel if any.
#[derive(Debug)]
pub struct Events<E> {
    /// The test's end of things, if a test is listening.
    listener: Option<mpsc::UnboundedSender<E>>,
}

// By hand: `derive(Clone)` would ask for `E: Clone`, which a sender does not need.
impl<E> Clone for Events<E> {
    fn clone(&self) -> Self {
        Self {
            listener: self.listener.clone(),
        }
    }
}

impl<E: Display> Events<E> {
    /// Events that only go to the log: what the programs use.
    pub fn logged() -> Self {
        Self { listener: None }
    }

    /// Events that go to the log and to the returned receiver.
    pub fn observed() -> (Self, mpsc::UnboundedReceiver<E>) {
        let (listener, receiver) = mpsc::unbounded_channel();
        let events = Self {
            listener: Some(listener),
        };
        (events, receiver)
    }

    /// Logs `event`, and hands it to the listener, if any.
    pub fn report(&self, event: E) {
        info!("{event}");
        if let Some(listener) = &self.listener {
            // A test that stopped listening is no reason to fail a call.
            let _ = listener.send(event);
        }
    }
}

/// Runs a closure when dropped, unless [`IfDropped::disarm`]ed first: held
/// by a handler across its work, it runs exactly when the handler's future
/// is dropped before the work is done.
pub struct IfDropped<F: FnOnce()> {
    /// What to run; taken by `disarm`.
    on_drop: Option<F>,
}

impl<F: FnOnce()> IfDropped<F> {
    /// Arms the guard: `on_drop` runs if the guard is dropped armed.
    pub fn new(on_drop: F) -> Self {
        Self {
            on_drop: Some(on_drop),
        }
    }

    /// The work is done: dropping the guard now runs nothing.
    pub fn disarm(mut self) {
        self.on_drop = None;
    }
}

impl<F: FnOnce()> Drop for IfDropped<F> {
    fn drop(&mut self) {
        if let Some(on_drop) = self.on_drop.take() {
            on_drop();
        }
    }
}
