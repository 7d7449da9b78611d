//! A small client for etcd's JSON gateway: the six calls a registry needs.
//!
//! etcd's API is gRPC. Its Rust client crate (`etcd-client`) runs `protoc`
//! in its build script, and a workshop laptop has no `protoc`. So we use the
//! *JSON gateway* that etcd (3.4 and later) serves on the same port: the same
//! calls, as JSON over HTTP/1.1, through hyper (already here for tonic).
//! Two habits of the gateway show in the code: keys and values travel
//! base64-encoded, and 64-bit numbers (lease ids, revisions) travel as
//! strings, because JSON numbers lose precision past 2^53.

mod watch;

use std::{fmt, time::Duration};

use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use serde_json::{Value, json};

pub use watch::{Event, Watch};

/// How long one request to etcd may take before we call etcd unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// A client for one etcd server's JSON gateway.
#[derive(Clone, Debug)]
pub struct Gateway {
    /// The base URL, e.g. `http://127.0.0.1:2379`, without a trailing `/`.
    url: String,
    /// hyper's client: it keeps connections open and reuses them.
    http: Client<HttpConnector, Full<Bytes>>,
}

/// Why a request to etcd failed: each kind calls for different advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EtcdError {
    /// The URL is not `http://HOST:PORT`; nothing was sent.
    BadUrl(String),
    /// etcd did not answer: it is not running there, or is too slow.
    Unreachable {
        /// The etcd's URL.
        url: String,
        /// What the network said (`Connection refused`, a timeout, ...).
        why: String,
    },
    /// etcd answered, but refused the request or sent what we cannot read.
    Refused {
        /// The etcd's URL.
        url: String,
        /// etcd's own explanation, or what was wrong with its answer.
        why: String,
    },
}

impl fmt::Display for EtcdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EtcdError::BadUrl(url) => {
                write!(f, "{url} is not an etcd URL such as http://127.0.0.1:2379")
            }
            EtcdError::Unreachable { url, why } => write!(f, "cannot reach etcd at {url} ({why})"),
            EtcdError::Refused { url, why } => {
                write!(f, "etcd at {url} refused the request: {why}")
            }
        }
    }
}

impl std::error::Error for EtcdError {}

/// A key and its value, as stored in etcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The key, e.g. `/hello/DoStuff/unary/127.0.0.1:8888`.
    pub key: String,
    /// The value stored under it.
    pub value: String,
}

impl Gateway {
    /// A client for the etcd at `url` (`http://HOST:PORT`). Nothing is sent yet.
    pub fn new(url: &str) -> Result<Self, EtcdError> {
        let url = url.trim_end_matches('/');
        let valid = url
            .strip_prefix("http://")
            .is_some_and(|rest| rest.parse::<http::uri::Authority>().is_ok());
        if !valid {
            return Err(EtcdError::BadUrl(url.to_owned()));
        }
        let http = Client::builder(TokioExecutor::new()).build_http();
        Ok(Self {
            url: url.to_owned(),
            http,
        })
    }

    /// The URL this client talks to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Creates a lease that expires `ttl_s` seconds from now unless kept
    /// alive, and returns its id. Keys written under it go when it goes.
    pub async fn grant(&self, ttl_s: u64) -> Result<i64, EtcdError> {
        let reply = self
            .call("/v3/lease/grant", json!({ "TTL": ttl_s }))
            .await?;
        number(&reply["ID"]).ok_or_else(|| self.refused(format!("no lease in {reply}")))
    }

    /// Writes `key` = `value`, attached to `lease`.
    pub async fn put(&self, key: &str, value: &str, lease: i64) -> Result<(), EtcdError> {
        let request = json!({
            "key": BASE64.encode(key),
            "value": BASE64.encode(value),
            "lease": lease.to_string(),
        });
        self.call("/v3/kv/put", request).await.map(drop)
    }

    /// Renews `lease` for another full TTL. Returns `false` if the lease no
    /// longer exists (it expired, so its keys are gone).
    pub async fn keep_alive(&self, lease: i64) -> Result<bool, EtcdError> {
        let reply = self
            .call("/v3/lease/keepalive", json!({ "ID": lease.to_string() }))
            .await?;
        // An expired lease comes back with no TTL (zero, which JSON omits).
        Ok(number(&reply["result"]["TTL"]).unwrap_or(0) > 0)
    }

    /// Ends `lease` now: etcd deletes its keys at once.
    pub async fn revoke(&self, lease: i64) -> Result<(), EtcdError> {
        self.call("/v3/lease/revoke", json!({ "ID": lease.to_string() }))
            .await
            .map(drop)
    }

    /// Every key under `prefix`, and the store's revision when read: a
    /// [`Gateway::watch`] from the next revision misses nothing in between.
    pub async fn list(&self, prefix: &str) -> Result<(Vec<KeyValue>, i64), EtcdError> {
        let request = json!({
            "key": BASE64.encode(prefix),
            "range_end": BASE64.encode(range_end(prefix)),
        });
        let reply = self.call("/v3/kv/range", request).await?;
        let revision = number(&reply["header"]["revision"]).unwrap_or(0);
        let kvs = reply["kvs"].as_array().map_or(&[][..], Vec::as_slice);
        let entries = kvs.iter().filter_map(key_value).collect();
        Ok((entries, revision))
    }

    /// Starts watching every key under `prefix`, from `revision` on.
    pub async fn watch(&self, prefix: &str, revision: i64) -> Result<Watch, EtcdError> {
        let request = json!({ "create_request": {
            "key": BASE64.encode(prefix),
            "range_end": BASE64.encode(range_end(prefix)),
            "start_revision": revision.to_string(),
        }});
        let body = self.send("/v3/watch", request).await?;
        Ok(Watch::new(self.url.clone(), body))
    }

    /// Sends one request and returns etcd's JSON answer.
    async fn call(&self, path: &str, request: Value) -> Result<Value, EtcdError> {
        let read = async {
            let body = self.send(path, request).await?;
            let bytes = body.collect().await.map_err(|e| self.unreachable(e))?;
            parse(&bytes.to_bytes()).map_err(|why| self.refused(why))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, read)
            .await
            .unwrap_or_else(|_| Err(self.no_answer()))
    }

    /// Sends one request and returns the response body, unread.
    async fn send(&self, path: &str, request: Value) -> Result<Incoming, EtcdError> {
        let request = http::Request::post(format!("{}{path}", self.url))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(request.to_string())))
            .map_err(|e| self.refused(e))?;
        let connect = self.http.request(request);
        let response = tokio::time::timeout(REQUEST_TIMEOUT, connect)
            .await
            .map_err(|_| self.no_answer())?
            .map_err(|e| self.unreachable(root_cause(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.into_body());
        }
        // etcd explains a refused request in a JSON body: pass it on.
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.unreachable(e))?;
        let why = match parse(&bytes.to_bytes()) {
            Err(message) => message,
            Ok(_) => format!("it answered {status} to {path}"),
        };
        Err(self.refused(why))
    }

    /// The error for an etcd that does not answer in time.
    fn no_answer(&self) -> EtcdError {
        let limit = REQUEST_TIMEOUT.as_secs();
        self.unreachable(format!("no answer within {limit} s"))
    }

    /// The error for an etcd we cannot talk to.
    fn unreachable(&self, why: impl fmt::Display) -> EtcdError {
        EtcdError::Unreachable {
            url: self.url.clone(),
            why: why.to_string(),
        }
    }

    /// The error for an etcd that answered with a refusal or nonsense.
    fn refused(&self, why: impl fmt::Display) -> EtcdError {
        EtcdError::Refused {
            url: self.url.clone(),
            why: why.to_string(),
        }
    }
}

/// The end of the key range that holds every key starting with `prefix`:
/// etcd ranges are `[key, range_end)`, so it is the prefix with its last
/// byte plus one (`/hello/` becomes `/hello0`).
fn range_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

/// Parses etcd's JSON answer; an `"error"` in it, or something that is not
/// JSON, comes back as the reason to report.
fn parse(bytes: &[u8]) -> Result<Value, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("its answer is not JSON ({e})"))?;
    let error = value.get("error").or_else(|| value["result"].get("error"));
    match error {
        Some(error) => {
            // `{"error": "...", "message": "..."}`, or in a stream
            // `{"error": {"message": "...", ...}}`.
            let message = value["message"]
                .as_str()
                .or(error["message"].as_str())
                .or(error.as_str())
                .unwrap_or("no reason given");
            Err(message.to_owned())
        }
        None => Ok(value),
    }
}

/// A 64-bit number, which the gateway writes as a string.
fn number(value: &Value) -> Option<i64> {
    value.as_str()?.parse().ok()
}

/// One `{"key": ..., "value": ...}` of a reply, decoded.
fn key_value(kv: &Value) -> Option<KeyValue> {
    let decode = |field: &Value| -> Option<String> {
        // An empty value is left out of the JSON altogether.
        let bytes = BASE64.decode(field.as_str().unwrap_or_default()).ok()?;
        String::from_utf8(bytes).ok()
    };
    Some(KeyValue {
        key: decode(&kv["key"])?,
        value: decode(&kv["value"])?,
    })
}

/// The innermost cause of an error, which says the most: for hyper's
/// `client error (Connect)` it is e.g. `Connection refused (os error 111)`.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut error = error;
    while let Some(cause) = error.source() {
        error = cause;
    }
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_ends_just_past_the_prefix() {
        assert_eq!(range_end("/hello/"), b"/hello0");
    }

    #[test]
    fn an_error_in_the_answer_is_an_error() {
        let refused = br#"{"error":"lease not found","message":"etcdserver: requested lease not found","code":5}"#;
        assert_eq!(
            parse(refused).unwrap_err(),
            "etcdserver: requested lease not found"
        );
        assert_eq!(
            Gateway::new("127.0.0.1:2379").unwrap_err(),
            EtcdError::BadUrl("127.0.0.1:2379".into())
        );
        assert!(Gateway::new("http://127.0.0.1:2379/").is_ok());
    }
}
