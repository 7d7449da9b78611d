//! The page and its feed, served by the same server as the gRPC calls.
//!
//! The files in `web/assets/` are compiled into the program
//! (`include_str!`), so `cargo run -p web` is all a student needs: no
//! bundler, no CDN, no file to find at run time, and the page works offline.
//! Served from the same origin as its gRPC-Web calls, it needs no CORS.
//!
//! `/events` is the Live panel's feed, as Server-Sent Events: one HTTP
//! response that never ends, one `data: {json}` line per event, which the
//! browser's `EventSource` reads (and reconnects by itself if the server
//! restarts). At most [`MAX_PAGES`] pages are fed at once: one more gets
//! `503 Service Unavailable` and a line saying why.

use std::{convert::Infallible, sync::Arc};

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
use futures::{Stream, StreamExt as _, stream};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::feed::{Event, Feed, MAX_PAGES, Subscription};

/// How long a page refused for want of room is asked to wait before it
/// tries again (`Retry-After`, in seconds).
const RETRY_AFTER_SECS: &str = "10";

/// The page, its style, and its scripts: paths and contents.
const ASSETS: [(&str, &str, &str); 7] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../assets/index.html"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../assets/style.css"),
    ),
    (
        "/grpc-web.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/grpc-web.js"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    // The class on the projector, and the table of its words.
    (
        "/room.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/room.js"),
    ),
    // The Frames view (`/#frames`, fed by `/frames`: `crate::frames`).
    (
        "/frames.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/frames.js"),
    ),
    (
        "/i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/i18n.js"),
    ),
];

/// The routes of the page: its files, and `/events`.
pub fn routes(feed: Feed) -> Router {
    let mut router = Router::new();
    for (path, content_type, body) in ASSETS {
        router = router.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) }),
        );
    }
    // Browsers ask for an icon on their own; "none" is an answer too.
    router = router.route(
        "/favicon.ico",
        get(|| async { http::StatusCode::NO_CONTENT }),
    );
    router.route("/events", get(events)).with_state(feed)
}

/// `GET /events`: the calls kept so far, then every event as it happens;
/// or, with [`MAX_PAGES`] pages already fed, 503 and why.
async fn events(State(feed): State<Feed>) -> Response {
    let Some(Subscription { kept, receiver }) = feed.subscribe() else {
        return too_many_pages();
    };
    let kept = stream::iter(kept).map(|event| Ok(sse(&event)));
    Sse::new(kept.chain(live(receiver))).into_response()
}

/// The answer to one page too many: 503 (the server is at capacity, not
/// the client at fault), when to try again, and what to do, in one line.
fn too_many_pages() -> Response {
    let why = format!(
        "the live feed already serves {MAX_PAGES} pages, the most it feeds at once; close a tab that has this page open, then reload\n"
    );
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::RETRY_AFTER, RETRY_AFTER_SECS),
    ];
    (StatusCode::SERVICE_UNAVAILABLE, headers, why).into_response()
}

/// The events published from now on. A page that reads too slowly (or not
/// at all) is not waited for: its receiver falls behind, and its next read
/// returns `Lagged(n)`, which the page is told as `missed` events, before
/// it carries on with the oldest event still in the channel.
fn live(receiver: Receiver<Arc<Event>>) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    stream::unfold(receiver, async |mut receiver| {
        let event = match receiver.recv().await {
            Ok(event) => sse(&event),
            Err(RecvError::Lagged(missed)) => {
                SseEvent::default().data(format!(r#"{{"type":"missed","count":{missed}}}"#))
            }
            // The feed is gone: the server is stopping.
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    })
}

/// One event of the feed as an SSE `data:` line.
fn sse(event: &Event) -> SseEvent {
    SseEvent::default().data(&event.json)
}
