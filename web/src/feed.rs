//! The Live panel's feed: every event of every call, to every open page,
//! and never a reason for a call to wait.
//!
//! The [`watch`](crate::watch) layer [`publish`](Feed::publish)es an event
//! as each call starts, as each message goes in or out, and as it ends.
//! Two things keep them:
//!
//! - a [`broadcast`] channel, which hands each event to every page
//!   subscribed (each `/events` stream). It holds the last
//!   [`CHANNEL_CAPACITY`] events, whatever the readers do: a page that
//!   reads slowly (or not at all: a laptop asleep with the tab open) falls
//!   behind, and its next read says how many events it *missed* instead of
//!   holding the server back. Sending never waits, and the memory is fixed.
//! - a ring of the last `--keep-calls` calls, so that a page opened late
//!   (the projector switched on after the demo began) shows them at once.
//!
//! Compare a `mpsc` channel per page: a full one would have to make the
//! call wait (a stuck browser slows gRPC) or grow (memory without bound).
//! `broadcast` drops the *oldest* events for the slow reader alone.
//!
//! The server's memory is fixed, but each page's connection has socket
//! buffers in the kernel, which a page that never reads fills (several MB
//! each): so at most [`MAX_PAGES`] pages are fed at once.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
};

use serde_json::{Value, json};
use tokio::sync::broadcast;

/// How many events the channel keeps for a reader that is behind: at 1,000
/// calls a second (4 events each), about a quarter of a second of them.
pub const CHANNEL_CAPACITY: usize = 1024;

/// How many pages the feed serves at once; one more is refused (`/events`
/// answers 503). A page that never reads fills its connection's kernel
/// socket buffers with events, about 3.8 MB a page (measured): 32 such
/// pages hold about 120 MB, 64 about 240 MB, and while their buffers fill,
/// calls through the same port run at half speed or less. Thirty-two
/// covers a class of thirty and the projector; a page refused still makes
/// its calls, only its Live panel stays empty.
pub const MAX_PAGES: usize = 32;

/// How many events of one call the ring keeps for a late page; a longer
/// stream keeps its first ones and its end, which is what the page needs.
pub const EVENTS_KEPT_PER_CALL: usize = 64;

/// One event, as it goes to the page: its number in the feed, and its JSON.
#[derive(Debug)]
pub struct Event {
    /// Numbers every event of the feed in order (the page shows a gap as
    /// events missed).
    pub seq: u64,
    /// The event as the page reads it, e.g. `{"type":"end","call":3,...}`.
    pub json: String,
}

/// What a page subscribed to the feed gets.
#[derive(Debug)]
pub struct Subscription {
    /// The events of the calls kept, oldest first, to show at once.
    pub kept: Vec<Arc<Event>>,
    /// Every event published from now on; dropping it frees the page's
    /// place in the feed.
    pub receiver: broadcast::Receiver<Arc<Event>>,
}

/// The feed: cheap to clone, each clone publishing into the same channel and ring.
#[derive(Clone, Debug)]
pub struct Feed {
    shared: Arc<Shared>,
}

/// What all clones of a [`Feed`] share.
#[derive(Debug)]
struct Shared {
    /// Every event, to every subscribed page.
    channel: broadcast::Sender<Arc<Event>>,
    /// The last calls, for a page that joins late. A `std` mutex, not a
    /// tokio one: it is held for a few pushes, never across an `.await`.
    ring: Mutex<Ring>,
}

/// The last calls and the feed's counters.
#[derive(Debug)]
struct Ring {
    /// The number of the last event published.
    seq: u64,
    /// The number of the last call started.
    calls_started: u64,
    /// How many calls to keep.
    keep: usize,
    /// The kept calls, oldest first.
    calls: VecDeque<KeptCall>,
}

/// A kept call's events, in order.
#[derive(Debug)]
struct KeptCall {
    id: u64,
    events: Vec<Arc<Event>>,
}

impl Feed {
    /// A feed that keeps the last `keep_calls` calls for pages that join late.
    pub fn new(keep_calls: usize) -> Self {
        let (channel, _) = broadcast::channel(CHANNEL_CAPACITY);
        let ring = Ring {
            seq: 0,
            calls_started: 0,
            keep: keep_calls,
            calls: VecDeque::with_capacity(keep_calls + 1),
        };
        Self {
            shared: Arc::new(Shared {
                channel,
                ring: Mutex::new(ring),
            }),
        }
    }

    /// Publishes the start of a call, `fields` describing it; returns the
    /// call's number, which its later events carry.
    pub fn start_call(&self, fields: Value) -> u64 {
        let mut ring = self.lock();
        ring.calls_started += 1;
        let id = ring.calls_started;
        ring.calls.push_back(KeptCall {
            id,
            events: Vec::new(),
        });
        if ring.calls.len() > ring.keep {
            ring.calls.pop_front();
        }
        self.publish_locked(&mut ring, id, "start", fields);
        id
    }

    /// Publishes an event of call `id`: `kind` is "message" or "end",
    /// `fields` the rest of it.
    pub fn publish(&self, id: u64, kind: &str, fields: Value) {
        let mut ring = self.lock();
        self.publish_locked(&mut ring, id, kind, fields);
    }

    /// Numbers, keeps and sends one event. Under the ring's lock, so that
    /// the numbers and the channel's order agree.
    fn publish_locked(&self, ring: &mut Ring, id: u64, kind: &str, mut fields: Value) {
        ring.seq += 1;
        let seq = ring.seq;
        if let Value::Object(map) = &mut fields {
            map.insert("seq".to_owned(), json!(seq));
            map.insert("type".to_owned(), json!(kind));
            map.insert("call".to_owned(), json!(id));
        }
        let event = Arc::new(Event {
            seq,
            json: fields.to_string(),
        });
        // Kept if the call still is (a long call may outlive its place),
        // and if the call has room left or this is its end.
        if let Some(call) = ring.calls.iter_mut().rev().find(|call| call.id == id)
            && (call.events.len() < EVENTS_KEPT_PER_CALL || kind == "end")
        {
            call.events.push(event.clone());
        }
        // Never waits; an error only means that no page is open.
        let _ = self.shared.channel.send(event);
    }

    /// Subscribes a page: the kept events (oldest first), and a receiver
    /// of every later one; or `None` if [`MAX_PAGES`] pages are already
    /// subscribed. A page's place is freed when its receiver is dropped,
    /// which is when its connection closes.
    pub fn subscribe(&self) -> Option<Subscription> {
        let ring = self.lock();
        // The count and the subscription under the same lock, so that two
        // pages arriving at once cannot both take the last place.
        if self.shared.channel.receiver_count() >= MAX_PAGES {
            return None;
        }
        // Both under the lock: nothing is published in between, so nothing
        // is missed or sent twice.
        let receiver = self.shared.channel.subscribe();
        let mut kept: Vec<_> = (ring.calls.iter())
            .flat_map(|call| call.events.iter().cloned())
            .collect();
        kept.sort_by_key(|event| event.seq);
        Some(Subscription { kept, receiver })
    }

    /// How many calls have started since the server did.
    pub fn calls_started(&self) -> u64 {
        self.lock().calls_started
    }

    /// The ring, even if a thread panicked while holding it: the worst that
    /// can be in it is a call with one event too few.
    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.shared
            .ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
