//! The Frames view's feed: the HTTP/2 frames of every call made through
//! the in-process proxy (`--proxy HOST:PORT`), as the wire carries them.
//!
//! The page's other views show *calls*: a method, messages, a status. This
//! one shows what those are made of. With `--proxy 127.0.0.1:9000` the web
//! server also runs the [`fault_proxy`] in-process, listening there and
//! relaying to its own gRPC port (no faults: a plain relay). Any client
//! pointed at it (ours with `--addr 127.0.0.1:9000`, grpcio's, `grpcurl`)
//! is relayed as usual, and the proxy's frame decoder
//! ([`fault_proxy::Frames`]) hands each frame to [`FrameFeed::publish`],
//! which sends it to every page on `/frames`: one Server-Sent Event per
//! frame, e.g.
//!
//! ```json
//! {"seq":7,"type":"frame","conn":1,"dir":"up","stream":1,"kind":"HEADERS",
//!  "flags":["END_HEADERS"],"length":70,
//!  "fields":[[":method","POST"],[":path","/hello.DoStuff/say_hello"],...],
//!  "messages":[]}
//! ```
//!
//! and `{"type":"open","conn":1}` / `{"type":"closed","conn":1}` as each
//! connection comes and goes, so the page can draw a lane per stream. The
//! first event a page gets names the proxy's address (`{"type":"proxy"}`).
//!
//! Only plaintext HTTP/2 is decoded: the page's own calls are gRPC-Web
//! over HTTP/1.1 to the server's port, and do not pass the proxy.
//!
//! As for `/events` ([`crate::feed`]), a [`broadcast`] channel never makes
//! the relay wait for a slow page, and a ring keeps the last
//! [`KEPT_FRAMES`] for a page opened late: memory stays fixed however
//! long the session; and at most [`MAX_PAGES`] pages are fed at once.

use std::{
    collections::VecDeque,
    convert::Infallible,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, Sse},
    },
    routing::get,
};
use fault_proxy::{Direction, Event, Faults, Frame, Frames, Observer, RunningProxy};
use futures::{StreamExt as _, stream};
use serde_json::{Value, json};
use tokio::sync::broadcast::{self, Receiver, error::RecvError};

use crate::feed::MAX_PAGES;

/// How many frames a page opened late is shown: a few dozen calls' worth.
pub const KEPT_FRAMES: usize = 500;

/// How many frames the channel holds for a page that is behind.
const CHANNEL_CAPACITY: usize = 1024;

/// What a page on `/frames` gets: the events to show at once, and a
/// receiver of every later one.
type Subscription = (Vec<Arc<str>>, Receiver<Arc<str>>);

/// The frames feed: cheap to clone, every clone the same feed.
#[derive(Clone, Debug)]
pub struct FrameFeed {
    shared: Arc<Shared>,
}

/// What the clones share.
#[derive(Debug)]
struct Shared {
    /// Every frame, to every page on `/frames`.
    channel: broadcast::Sender<Arc<str>>,
    /// The last frames, and the last number given. A `std` mutex: held for
    /// a push, never across an `.await`.
    kept: Mutex<(u64, VecDeque<Arc<str>>)>,
    /// The proxy's address, once it listens: the first thing a page is
    /// told, so its hint names the real port.
    proxy: Mutex<Option<String>>,
}

impl Default for FrameFeed {
    fn default() -> Self {
        let (channel, _) = broadcast::channel(CHANNEL_CAPACITY);
        FrameFeed {
            shared: Arc::new(Shared {
                channel,
                kept: Mutex::new((0, VecDeque::with_capacity(KEPT_FRAMES + 1))),
                proxy: Mutex::new(None),
            }),
        }
    }
}

impl FrameFeed {
    /// Publishes a frame to every page.
    pub fn publish(&self, frame: &Frame) {
        let dir = match frame.direction {
            Direction::Up => "up",
            Direction::Down => "down",
        };
        let messages: Vec<Value> = (frame.messages.iter())
            .map(|m| json!({ "compressed": m.compressed, "length": m.length }))
            .collect();
        self.send(json!({
            "type": "frame",
            "conn": frame.connection,
            "dir": dir,
            "stream": frame.stream,
            "kind": frame.kind,
            "flags": frame.flags,
            "length": frame.length,
            "fields": frame.fields,
            "messages": messages,
        }));
    }

    /// Numbers, keeps and sends one event.
    fn send(&self, mut event: Value) {
        let mut kept = self
            .shared
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        kept.0 += 1;
        event["seq"] = json!(kept.0);
        let text: Arc<str> = event.to_string().into();
        kept.1.push_back(text.clone());
        if kept.1.len() > KEPT_FRAMES {
            kept.1.pop_front();
        }
        // Under the lock, so the ring and the channel agree on the order.
        // An error only means no page is open.
        let _ = self.shared.channel.send(text);
    }

    /// The proxy's address (`{"type":"proxy","addr":...}`, first on
    /// `/frames`), if it runs; then the kept events, and a receiver of
    /// every later one; `None` when [`MAX_PAGES`] pages are subscribed.
    fn subscribe(&self) -> Option<Subscription> {
        let proxy = self
            .shared
            .proxy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let first = proxy.map(|addr| json!({ "type": "proxy", "addr": addr }).to_string().into());
        let kept = self
            .shared
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Counted and subscribed under the lock: two pages cannot both
        // take the last place.
        if self.shared.channel.receiver_count() >= MAX_PAGES {
            return None;
        }
        let events = first.into_iter().chain(kept.1.iter().cloned()).collect();
        Some((events, self.shared.channel.subscribe()))
    }
}

/// The proxy's connection events, as lane boundaries for the page.
impl Observer for FrameFeed {
    fn event(&self, event: &Event) {
        match event {
            Event::Accepted { connection, .. } => {
                self.send(json!({ "type": "open", "conn": connection }))
            }
            Event::Closed { connection, .. } => {
                self.send(json!({ "type": "closed", "conn": connection }))
            }
            _ => {}
        }
    }
}

/// Starts the frame-decoding proxy on `listen`, relaying to `to` (the web
/// server's own gRPC port), publishing into `feed`.
pub async fn start_proxy(listen: &str, to: &str, feed: FrameFeed) -> std::io::Result<RunningProxy> {
    let (sink, shared) = (feed.clone(), feed.shared.clone());
    let observer = Frames::new(feed, move |frame: Frame| sink.publish(&frame));
    let proxy = fault_proxy::start(listen, to, Faults::none(), observer).await?;
    *shared.proxy.lock().unwrap_or_else(PoisonError::into_inner) = Some(proxy.addr().to_string());
    Ok(proxy)
}

/// The route `/frames`.
pub fn routes(feed: FrameFeed) -> Router {
    Router::new().route("/frames", get(frames)).with_state(feed)
}

/// `GET /frames`: the kept frames, then each as it is decoded; or 503
/// with [`MAX_PAGES`] pages already fed (as `/events`, for the same reason:
/// each page that never reads holds megabytes of kernel buffers).
async fn frames(State(feed): State<FrameFeed>) -> Response {
    let Some((kept, receiver)) = feed.subscribe() else {
        let why = format!(
            "the frames feed already serves {MAX_PAGES} pages, the most it feeds at once; close a tab that has this page open, then reload\n"
        );
        let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return (StatusCode::SERVICE_UNAVAILABLE, headers, why).into_response();
    };
    let kept = stream::iter(kept).map(|text| Ok::<_, Infallible>(SseEvent::default().data(&*text)));
    let live = stream::unfold(receiver, async |mut receiver| {
        let data = match receiver.recv().await {
            Ok(text) => text.to_string(),
            // A page that fell behind is told how many it missed.
            Err(RecvError::Lagged(missed)) => {
                json!({ "type": "missed", "count": missed }).to_string()
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(SseEvent::default().data(data)), receiver))
    });
    Sse::new(kept.chain(live)).into_response()
}
