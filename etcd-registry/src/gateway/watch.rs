//! Watching a prefix: etcd streams every change, one JSON line each.

use std::fmt;

use bytes::BytesMut;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::Value;

use super::{EtcdError, KeyValue, key_value, parse};

/// A change seen by a [`Watch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A key was written (created or changed).
    Put(KeyValue),
    /// A key was deleted, or its lease ended.
    Delete(String),
}

/// A watch on a prefix: every change to a key under it, in order.
#[derive(Debug)]
pub struct Watch {
    /// The etcd's URL, for errors.
    url: String,
    /// The response body: etcd writes one JSON object per line, forever.
    body: Incoming,
    /// Bytes received but not yet a complete line.
    pending: BytesMut,
}

impl Watch {
    /// A watch whose changes etcd at `url` streams in `body`.
    pub(super) fn new(url: String, body: Incoming) -> Self {
        Self {
            url,
            body,
            pending: BytesMut::new(),
        }
    }

    /// Waits for the next changes. An error means the watch ended (etcd
    /// stopped, or the connection broke): start a new one.
    pub async fn next(&mut self) -> Result<Vec<Event>, EtcdError> {
        loop {
            // A whole line is one JSON message from etcd.
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line = self.pending.split_to(end + 1);
                let message = parse(&line).map_err(|why| self.ended(why))?;
                let result = &message["result"];
                if result["canceled"].as_bool() == Some(true) {
                    return Err(self.ended(format!("etcd cancelled it: {result}")));
                }
                let events = result["events"].as_array().map_or(&[][..], Vec::as_slice);
                if events.is_empty() {
                    continue; // "created", or a progress note
                }
                return Ok(events.iter().filter_map(event).collect());
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.pending.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => return Err(self.ended(format!("the watch broke: {e}"))),
                None => return Err(self.ended("etcd closed the watch")),
            }
        }
    }

    /// The error for a watch that ended: etcd must be asked afresh.
    fn ended(&self, why: impl fmt::Display) -> EtcdError {
        EtcdError::Unreachable {
            url: self.url.clone(),
            why: why.to_string(),
        }
    }
}

/// One watch event: PUT is the default, so the gateway leaves its type out.
fn event(event: &Value) -> Option<Event> {
    let kv = key_value(&event["kv"])?;
    Some(match event["type"].as_str() {
        Some("DELETE") => Event::Delete(kv.key),
        _ => Event::Put(kv),
    })
}

#[cfg(test)]
mod tests {
    use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
    use serde_json::json;

    use super::*;

    #[test]
    fn watch_events_are_decoded_as_the_gateway_writes_them() {
        let put = json!({"kv": {"key": BASE64.encode("/a"), "value": BASE64.encode("1")}});
        let delete = json!({"type": "DELETE", "kv": {"key": BASE64.encode("/a")}});
        assert_eq!(
            event(&put),
            Some(Event::Put(KeyValue {
                key: "/a".into(),
                value: "1".into()
            }))
        );
        assert_eq!(event(&delete), Some(Event::Delete("/a".into())));
    }
}
