//! Exercise 16: a trace carried on, through a relay (W3C Trace Context).
//!
//! Goal: a relay whose handler reads the incoming `traceparent` metadata,
//! checks it, and calls the next service with the same trace id, a new
//! parent id of its own, and the same flags. A malformed `traceparent` is
//! ignored, and a new trace started, as the W3C spec says; so is a call
//! that brings none.
//!
//! A trace follows one request through every service it crosses. It
//! travels as one header, the web's and gRPC's alike:
//!
//! ```text
//! traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//! ```
//!
//! the version (00), the trace id (16 bytes, the same at every hop), the
//! parent id (8 bytes: the span of whoever made *this* call, so each hop
//! writes its own), and the flags (01: sampled), in lowercase hex, and no
//! id all zeros. OpenTelemetry reads and writes it for you
//! (`topics/observability`); here you do it by hand, to see what it is.
//!
//! Check: cargo run -p workshop -- check 16

use std::{
    fmt,
    hash::{BuildHasher, RandomState},
    sync::atomic::{AtomicU64, Ordering},
};

use tonic::{Request, Response, Status, metadata::MetadataValue, transport::Channel};

use crate::pb::{HelloReply, HelloRequest, hop_client::HopClient, hop_server::Hop};

/// The metadata key of the trace context.
pub const TRACEPARENT: &str = "traceparent";

/// The flag "sampled": this trace is recorded.
pub const SAMPLED: u8 = 0x01;

/// A `traceparent`'s fields (version 00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    /// The whole trace's id: the same at every hop. Never zero.
    pub trace_id: u128,
    /// The id of the span that makes the call. Never zero.
    pub parent_id: u64,
    /// Bit 0 is "sampled"; passed on as it came.
    pub flags: u8,
}

impl TraceParent {
    /// Reads a `traceparent` value: `None` unless it is exactly
    /// `00-<32 hex>-<16 hex>-<2 hex>`, in lowercase, with neither id all
    /// zeros. (Only version 00 is read: a later version may add fields, and
    /// starting a new trace is always a safe answer to what one cannot read.)
    pub fn parse(header: &str) -> Option<TraceParent> {
        // TODO(16): split on '-': exactly four fields, the first "00"; then
        // 32, 16 and 2 characters, each 0-9 or a-f (uppercase is malformed);
        // read them with u128/u64/u8::from_str_radix(field, 16). Neither id
        // may be all zeros. Anything else: None (the caller starts anew).
        todo!("parse a traceparent")
    }

    /// A new trace: random ids, sampled.
    pub fn new_trace() -> TraceParent {
        // TODO(16): random ids (random_id(); the trace id is two of them,
        // one shifted 64 bits up), and the flags SAMPLED.
        todo!("start a new trace")
    }

    /// What this hop sends on: the same trace and flags, and a new parent
    /// id, its own span's.
    pub fn child(&self) -> TraceParent {
        // TODO(16): the same trace id and flags, a new parent id.
        todo!("the traceparent this hop sends on")
    }
}

impl fmt::Display for TraceParent {
    /// `00-<trace id>-<parent id>-<flags>`: lowercase, padded with zeros
    /// to 32, 16 and 2 digits (a `{:x}` alone drops the leading zeros).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // TODO(16): write!(f, ...) the four fields: "00", then the ids and
        // flags in lowercase hex, each padded with zeros to its width.
        todo!("write a traceparent")
    }
}

/// Given: a random 64-bit id, never zero. std's `RandomState` is seeded
/// at random, and each new one differs, so hashing a counter with it gives
/// a fresh number every time: enough for ids, with no crate for it (a real
/// tracer uses `rand`).
pub fn random_id() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let id = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
        if id != 0 {
            return id;
        }
    }
}

/// Given: the last hop, what `serve 16` relays to: it answers with the
/// `traceparent` it received.
#[derive(Debug, Default)]
pub struct LastHop;

#[tonic::async_trait]
impl Hop for LastHop {
    async fn hop(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let received = (request.metadata().get(TRACEPARENT))
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let message = match received {
            Some(traceparent) => format!("the next hop received traceparent {traceparent}"),
            None => "the next hop received no traceparent".to_owned(),
        };
        Ok(Response::new(HelloReply { message }))
    }
}

/// The relay of exercise 16.
#[derive(Debug, Clone)]
pub struct TraceRelay {
    /// The next hop's client (a clone shares its connection).
    next: HopClient<Channel>,
}

impl TraceRelay {
    /// A relay that passes calls on to `next`.
    pub fn new(next: HopClient<Channel>) -> Self {
        TraceRelay { next }
    }
}

#[tonic::async_trait]
impl Hop for TraceRelay {
    /// Passes the greeting on, with the trace carried on, and answers with
    /// the next hop's reply.
    async fn hop(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        // TODO(16): read TRACEPARENT from the metadata (to_str) and parse
        // it. Send on its child(), or, if there was none or it did not
        // parse, a new_trace(). Make the outgoing Request from the message,
        // insert the new traceparent (to_string(), then
        // MetadataValue::try_from) under TRACEPARENT, call the next hop
        // (`self.next.clone().hop(outgoing).await?`) and answer with its
        // reply.
        todo!("carry the trace on to the next hop")
    }
}
