//! Exercise 16: the relay carries the trace on.
//!
//! Between the check's client and a next hop of the check's own, which
//! notes the `traceparent` each call brings, runs your relay. The check
//! sends well-formed, malformed and missing traceparents, and reads what
//! the next hop got with a strict reading of its own. Likely mistakes,
//! each named: no traceparent on the outgoing call; the trace id changed;
//! the parent id not replaced (the caller's span id passed on); the same
//! span id for every call; the flags not kept; an id of all zeros;
//! uppercase hex, or ids not padded to their width; a malformed incoming
//! header passed on unchanged, or continued instead of a new trace; the
//! same "new" trace for every call.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};
use tonic::{Request, Response, Status, service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{failed, within};
use crate::{
    e16_trace_context::{TRACEPARENT, TraceRelay},
    harness::{self, Report},
    pb::{
        HelloReply, HelloRequest,
        hop_client::HopClient,
        hop_server::{Hop, HopServer},
    },
};

/// A caller's trace: ids with leading zeros, so that ids not padded to
/// their width show; sampled.
const CALLER: &str = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";

/// Another caller's, not sampled (flags 00), its trace id starting "00".
const NOT_SAMPLED: &str = "00-00f92f3577b34da6a3ce929d0e0e4736-0000000000000abc-00";

/// Malformed traceparents, each of which the relay must ignore, and start
/// a new trace instead (W3C Trace Context, "traceparent" and "Versioning").
const MALFORMED: &[&str] = &[
    // Uppercase hex.
    "00-0AF7651916CD43DD8448EB211C80319C-00F067AA0BA902B7-01",
    // A trace id of all zeros: "invalid".
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    // A parent id of all zeros: "invalid".
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    // Version ff: "invalid".
    "ff-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
    // A trace id one digit short.
    "00-af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
    // Not a traceparent at all.
    "hello",
];

/// A traceparent as the next hop read it, strictly.
#[derive(Debug, PartialEq, Eq)]
struct Fields {
    trace_id: String,
    parent_id: String,
    flags: String,
}

/// What is wrong with a traceparent the relay sent.
#[derive(Debug, PartialEq, Eq)]
enum Wrong {
    /// Well-formed but for its uppercase letters.
    Uppercase,
    /// Not `00-<32 hex>-<16 hex>-<2 hex>`.
    Malformed,
    /// An id of all zeros.
    Zero,
}

/// Reads `header` as the W3C spec reads version 00.
fn read(header: &str) -> Result<Fields, Wrong> {
    let fields: Vec<&str> = header.split('-').collect();
    let [version, trace, parent, flags] = fields[..] else {
        return Err(Wrong::Malformed);
    };
    let hex = |field: &str, len: usize, digits: &str| {
        field.len() == len && field.chars().all(|c| digits.contains(c))
    };
    let lower = "0123456789abcdef";
    let any_case = "0123456789abcdefABCDEF";
    let widths = [(version, 2), (trace, 32), (parent, 16), (flags, 2)];
    if !widths.iter().all(|&(field, len)| hex(field, len, lower)) {
        let upper = widths.iter().all(|&(field, len)| hex(field, len, any_case));
        return Err(if upper && version == "00" {
            Wrong::Uppercase
        } else {
            Wrong::Malformed
        });
    }
    if version != "00" {
        return Err(Wrong::Malformed);
    }
    if trace.bytes().all(|b| b == b'0') || parent.bytes().all(|b| b == b'0') {
        return Err(Wrong::Zero);
    }
    Ok(Fields {
        trace_id: trace.to_owned(),
        parent_id: parent.to_owned(),
        flags: flags.to_owned(),
    })
}

/// The check's next hop: notes the traceparent of each call (its text, or
/// `None`), and answers.
struct Recorder(mpsc::UnboundedSender<Option<String>>);

#[tonic::async_trait]
impl Hop for Recorder {
    async fn hop(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let received = (request.metadata().get(TRACEPARENT))
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let _ = self.0.send(received);
        Ok(Response::new(HelloReply {
            message: "noted".to_owned(),
        }))
    }
}

/// The check's client to your relay, and what its next hop received.
struct Through {
    client: HopClient<Channel>,
    received: Arc<Mutex<mpsc::UnboundedReceiver<Option<String>>>>,
}

impl Through {
    /// Calls the relay with `traceparent` (or none), and returns what the
    /// next hop received: the header's text, or `None`.
    async fn call(&self, traceparent: Option<&str>) -> Result<Option<String>, String> {
        let mut request = Request::new(HelloRequest {
            name: "trace".to_owned(),
        });
        if let Some(traceparent) = traceparent {
            let value = traceparent.parse().map_err(|_| traceparent.to_owned())?;
            request.metadata_mut().insert(TRACEPARENT, value);
        }
        let what = match traceparent {
            Some(traceparent) => format!("hop (traceparent: {traceparent})"),
            None => "hop (no traceparent)".to_owned(),
        };
        let no_reply = || t::NO_REPLY.with(&[("what", &what)]);
        within(self.client.clone().hop(request), no_reply)
            .await?
            .map_err(|status| failed(&what, &status))?;
        let mut received = self.received.lock().await;
        within(received.recv(), no_reply)
            .await?
            .ok_or_else(no_reply)
    }
}

/// What a relay of yours is made of: a client to the next hop.
pub(super) type MakeRelay = fn(HopClient<Channel>) -> Routes;

pub async fn check(report: Report) -> Result<(), String> {
    check_with(report, |next| {
        Routes::new(HopServer::new(TraceRelay::new(next)))
    })
    .await
}

pub(super) async fn check_with(report: Report, relay: MakeRelay) -> Result<(), String> {
    let (noted, received) = mpsc::unbounded_channel();
    let next = harness::serve(Routes::new(HopServer::new(Recorder(noted)))).await?;
    let to_next = HopClient::new(harness::channel(next.addr).await?);
    let relay = harness::serve(relay(to_next)).await?;
    let through = Through {
        client: HopClient::new(harness::channel(relay.addr).await?),
        received: Arc::new(Mutex::new(received)),
    };

    // A caller's trace, continued: same trace id, a new parent id, the
    // same flags; and a new parent id for each call.
    let incoming = read(CALLER).map_err(|_| CALLER.to_owned())?;
    let first = continued(&through, CALLER, &incoming).await?;
    let second = continued(&through, CALLER, &incoming).await?;
    if first.parent_id == second.parent_id {
        return Err(t::E16_SAME_SPAN_ID.with(&[("parent", &first.parent_id)]));
    }
    report
        .ok(t::E16_OK_CONTINUED
            .with(&[("trace", &incoming.trace_id), ("parent", &first.parent_id)]));
    let not_sampled = read(NOT_SAMPLED).map_err(|_| NOT_SAMPLED.to_owned())?;
    continued(&through, NOT_SAMPLED, &not_sampled).await?;
    report.ok(t::E16_OK_FLAGS);

    // Malformed: ignored, and a new trace started.
    for &bad in MALFORMED {
        let sent = through.call(Some(bad)).await?;
        let Some(sent) = sent else {
            return Err(t::E16_MALFORMED_DROPPED.with(&[("incoming", &bad)]));
        };
        if sent == bad {
            return Err(t::E16_MALFORMED_PASSED_ON.with(&[("incoming", &bad)]));
        }
        let fields = well_formed(&sent)?;
        let bad_trace = bad.split('-').nth(1).unwrap_or_default().to_lowercase();
        if fields.trace_id == bad_trace {
            return Err(t::E16_MALFORMED_CONTINUED.with(&[("incoming", &bad), ("sent", &sent)]));
        }
    }
    report.ok(t::E16_OK_MALFORMED.with(&[("count", &MALFORMED.len())]));

    // No traceparent at all: a new trace, a different one each time.
    let mut traces = Vec::new();
    for _ in 0..2 {
        let Some(sent) = through.call(None).await? else {
            return Err(t::E16_NONE_NOT_STARTED.to_string());
        };
        traces.push(well_formed(&sent)?.trace_id);
    }
    if traces[0] == traces[1] {
        return Err(t::E16_SAME_NEW_TRACE.with(&[("trace", &traces[0])]));
    }
    report.ok(t::E16_OK_NEW.with(&[("first", &traces[0]), ("second", &traces[1])]));
    Ok(())
}

/// Calls the relay with `traceparent` (whose fields are `incoming`), and
/// checks that what the next hop got continues that trace.
async fn continued(
    through: &Through,
    traceparent: &str,
    incoming: &Fields,
) -> Result<Fields, String> {
    let Some(sent) = through.call(Some(traceparent)).await? else {
        return Err(t::E16_NO_TRACEPARENT.with(&[("incoming", &traceparent)]));
    };
    let fields = well_formed(&sent)?;
    if fields.trace_id != incoming.trace_id {
        return Err(t::E16_TRACE_ID_CHANGED.with(&[("incoming", &traceparent), ("sent", &sent)]));
    }
    if fields.parent_id == incoming.parent_id {
        return Err(t::E16_PARENT_NOT_REPLACED.with(&[("incoming", &traceparent), ("sent", &sent)]));
    }
    if fields.flags != incoming.flags {
        return Err(t::E16_FLAGS_CHANGED.with(&[("incoming", &traceparent), ("sent", &sent)]));
    }
    Ok(fields)
}

/// The fields of a traceparent the relay sent, or what is wrong with it.
fn well_formed(sent: &str) -> Result<Fields, String> {
    read(sent).map_err(|wrong| match wrong {
        Wrong::Uppercase => t::E16_UPPERCASE.with(&[("sent", &sent)]),
        Wrong::Malformed => t::E16_MALFORMED_OUT.with(&[("sent", &sent)]),
        Wrong::Zero => t::E16_ZERO_ID.with(&[("sent", &sent)]),
    })
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use super::*;
    use crate::checks::{not_yet, verdict};

    /// A relay that copies the incoming metadata as it came, or that
    /// always starts a new trace.
    #[derive(Clone)]
    struct Mistaken {
        next: HopClient<Channel>,
        copy: bool,
    }

    #[tonic::async_trait]
    impl Hop for Mistaken {
        async fn hop(
            &self,
            request: Request<HelloRequest>,
        ) -> Result<Response<HelloReply>, Status> {
            let incoming = request.metadata().get(TRACEPARENT).cloned();
            let mut outgoing = Request::new(request.into_inner());
            let value = match (self.copy, incoming) {
                (true, Some(value)) => value,
                _ => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                    .parse()
                    .map_err(|_| Status::internal("bad"))?,
            };
            outgoing.metadata_mut().insert(TRACEPARENT, value);
            self.next.clone().hop(outgoing).await
        }
    }

    #[test]
    fn the_callers_span_id_passed_on_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, |next| {
                Routes::new(HopServer::new(Mistaken { next, copy: true }))
            })
        }));
        assert!(why.contains("parent id"), "{why}");
    }

    #[test]
    fn a_trace_of_its_own_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, |next| {
                Routes::new(HopServer::new(Mistaken { next, copy: false }))
            })
        }));
        assert!(why.contains("trace id"), "{why}");
    }

    #[test]
    fn the_strict_reading_names_what_is_wrong() {
        assert!(read(CALLER).is_ok());
        assert_eq!(read(MALFORMED[0]), Err(Wrong::Uppercase));
        assert_eq!(read(MALFORMED[1]), Err(Wrong::Zero));
        assert_eq!(read(MALFORMED[4]), Err(Wrong::Malformed));
        assert_eq!(
            read("00-af7651916cd43dd8448eb211c80319c-f067aa0ba902b7-1"),
            Err(Wrong::Malformed)
        );
    }
}
