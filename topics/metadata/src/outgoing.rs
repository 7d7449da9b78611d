//! The metadata the client sends, checked before any call.
//!
//! gRPC's rules for custom metadata (its HTTP/2 protocol spec, "Custom-Metadata"):
//!
//! - a key is lowercase letters, digits, `_`, `.` and `-`. HTTP/2 sends
//!   header names in lowercase only: an uppercase one makes the request
//!   malformed, so there is no way to send `X-Trace` at all;
//! - keys starting with `grpc-` are reserved for gRPC itself (`grpc-timeout`,
//!   `grpc-status`, ...), and so are `te` and `content-type`, which every
//!   call already sends;
//! - a key ending in `-bin` carries any bytes: they travel base64-encoded,
//!   and the receiver decodes them. Any other key carries text, printable
//!   ASCII only (0x20 to 0x7E): no accents, no emoji, no control characters.
//!
//! tonic alone would send `X-Trace` as `x-trace` without a word, send a
//! `grpc-` key like any other, send `Zürich` as its UTF-8 bytes (which the
//! receiver may refuse), and refuse a control character with a bare "failed
//! to parse metadata value". We check first, so that a bad `--header` is one
//! line that names the rule it breaks.

use std::{
    fmt::Write as _,
    time::{SystemTime, UNIX_EPOCH},
};

use tonic::{
    Request,
    metadata::{
        AsciiMetadataKey, BinaryMetadataKey, BinaryMetadataValue, KeyAndValueRef, MetadataMap,
    },
};

use crate::{CLIENT_BIN, REQUEST_ID};

/// Keys every call already sends, which gRPC reserves besides `grpc-*`.
const RESERVED: [&str; 2] = ["te", "content-type"];

/// The metadata to send with every call, already checked.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Ready to copy into each request.
    metadata: MetadataMap,
}

impl Outgoing {
    /// `x-request-id: request_id`, `x-client-bin: client_bin`, and each
    /// `--header KEY=VALUE` of `headers`; the error says which rule one breaks.
    pub fn new(request_id: &str, client_bin: &[u8], headers: &[String]) -> Result<Self, String> {
        let mut metadata = MetadataMap::new();
        check_text(request_id).map_err(|why| format!("--request-id: {why}"))?;
        let id = request_id
            .parse()
            .map_err(|_| "--request-id: not a valid value")?;
        metadata.insert(REQUEST_ID, id);
        // `from_bytes` takes any bytes: tonic base64-encodes them for us.
        metadata.insert_bin(CLIENT_BIN, BinaryMetadataValue::from_bytes(client_bin));
        for header in headers {
            add_header(&mut metadata, header).map_err(|why| format!("--header {header}: {why}"))?;
        }
        Ok(Self { metadata })
    }

    /// The metadata, as it will be sent.
    pub fn metadata(&self) -> &MetadataMap {
        &self.metadata
    }

    /// Adds the metadata to `request` (beside what is already there, such
    /// as `grpc-timeout` for the deadline).
    pub fn add_to<T>(&self, request: &mut Request<T>) {
        let sent = request.metadata_mut();
        for entry in self.metadata.iter() {
            match entry {
                KeyAndValueRef::Ascii(key, value) => sent.append(key.clone(), value.clone()),
                KeyAndValueRef::Binary(key, value) => sent.append_bin(key.clone(), value.clone()),
            };
        }
    }

    /// One line per entry, as the client prints it: text as is, bytes both
    /// as the program has them and as the wire carries them.
    pub fn lines(&self) -> Vec<String> {
        self.metadata
            .iter()
            .map(|entry| match entry {
                KeyAndValueRef::Ascii(key, value) => {
                    format!("{key}: {}", value.to_str().unwrap_or("(not text)"))
                }
                KeyAndValueRef::Binary(key, value) => {
                    let bytes = value.to_bytes().unwrap_or_default();
                    let wire = String::from_utf8_lossy(value.as_encoded_bytes());
                    format!(
                        "{key}: bytes [{}], on the wire as base64 {wire}",
                        hex(&bytes)
                    )
                }
            })
            .collect()
    }
}

/// Adds `--header KEY=VALUE` to `metadata`: text, or hex bytes for `-bin`.
fn add_header(metadata: &mut MetadataMap, header: &str) -> Result<(), String> {
    let Some((key, value)) = header.split_once('=') else {
        return Err("write it as KEY=VALUE".to_owned());
    };
    check_key(key)?;
    if key.ends_with("-bin") {
        let key = BinaryMetadataKey::from_bytes(key.as_bytes()).map_err(|e| e.to_string())?;
        metadata.append_bin(key, BinaryMetadataValue::from_bytes(&parse_hex(value)?));
    } else {
        check_text(value)?;
        let key = AsciiMetadataKey::from_bytes(key.as_bytes()).map_err(|e| e.to_string())?;
        let value = value.parse().map_err(|_| "not a valid value".to_owned())?;
        metadata.append(key, value);
    }
    Ok(())
}

/// A key as gRPC allows it, and not one this client sets by itself.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("the key is empty".to_owned());
    }
    if key.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "keys are lowercase: HTTP/2 sends header names in lowercase only (write {})",
            key.to_ascii_lowercase()
        ));
    }
    if let Some(bad) = key
        .chars()
        .find(|c| !matches!(c, '0'..='9' | 'a'..='z' | '_' | '.' | '-'))
    {
        return Err(format!(
            "a key may use only 0-9 a-z _ . - ({bad:?} is not allowed)"
        ));
    }
    if key.starts_with("grpc-") || RESERVED.contains(&key) {
        return Err(format!("{key} is reserved: gRPC itself sends it"));
    }
    let own_flag = match key {
        REQUEST_ID => Some("--request-id"),
        CLIENT_BIN => Some("--client-bin"),
        _ => None,
    };
    if let Some(flag) = own_flag {
        return Err(format!("this client sends {key} itself: use {flag}"));
    }
    Ok(())
}

/// A text value as gRPC allows it: printable ASCII, 0x20 to 0x7E.
pub fn check_text(value: &str) -> Result<(), String> {
    match value.chars().find(|c| !matches!(c, ' '..='~')) {
        None => Ok(()),
        Some(bad) => Err(format!(
            "text values are printable ASCII only (0x20 to 0x7E), and {bad:?} is not: \
             send bytes in a key ending in -bin, as hex"
        )),
    }
}

/// Bytes written in hex, two digits each: `cafe00ff`.
pub fn parse_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "bytes are written in hex, two digits each (e.g. cafe00ff), not {hex:?}"
        ));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// `bytes` as hex pairs: `ca fe 00 ff`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, byte) in bytes.iter().enumerate() {
        let space = if i == 0 { "" } else { " " };
        let _ = write!(out, "{space}{byte:02x}");
    }
    out
}

/// A request id for a client given no `--request-id`: this process and
/// this instant (`rust-<pid>-<nanoseconds since 1970, in hex>`), unique
/// enough to find one call in a log.
pub fn fresh_request_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    format!("rust-{}-{nanos:x}", std::process::id())
}
