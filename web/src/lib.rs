//! # The projector view: gRPC in a browser, and every call drawn live
//!
//! `cargo run -p web`, then open <http://127.0.0.1:8080>. The page has two
//! panels:
//!
//! - **Try it**: the page calls `say_hello`, `say_hello_again` and
//!   `say_hello_stream` itself, with gRPC-Web, and draws each call as a
//!   sequence diagram: the request, the response headers, each message
//!   with its time, the trailers and the status.
//! - **Live**: every call the server receives, from the page or from any
//!   client (the lesson crates' CLI clients, a Python one), as it happens:
//!   its kind, method, peer, each message in and out, its status and time.
//!
//! And a third view, **Class** (`/#room`): the workshop's students, one row
//! each, with the exercises they have done, as their workshops report them.
//!
//! Layout:
//!
//! - [`server`]: one port for everything, and why tonic-web goes on one
//!   service only;
//! - [`service`]: the five `hello.DoStuff` methods: the lesson crates'
//!   own services, routed by method;
//! - [`watch`]: the tower layer that sees every call and its messages;
//! - [`feed`]: how the events reach every page without a slow page ever
//!   slowing a call, or growing the server's memory;
//! - [`frames`]: with `--proxy`, the HTTP/2 frames of calls through an
//!   in-process proxy, for the page's Frames view (`/frames`);
//! - [`page`]: the page's files (in `web/assets/`, compiled in) and the
//!   Server-Sent Events feed, to at most [`feed::MAX_PAGES`] pages at once;
//! - [`host`]: which names the page answers to, against DNS rebinding.
//! - [`client`]: calls of all four kinds, to fill the Live panel;
//! - [`room`]: the class on the projector: each student's workshop
//!   reports its progress over gRPC (`class.Class/Report`), and the page
//!   draws the room as a grid, live (`/#room`, fed by `/room`).

pub mod client;
pub mod feed;
pub mod frames;
pub mod host;
pub mod page;
pub mod room;
pub mod server;
pub mod service;
pub mod watch;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This crate, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new(
    "web",
    "127.0.0.1:8080",
    &[
        "say_hello",
        "say_hello_again",
        "say_hello_stream",
        "say_hello_many",
        "say_hello_chat",
    ],
);
