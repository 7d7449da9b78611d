//! What a server writes under its key, and reading every entry back.

use serde_json::json;

use crate::gateway::{EtcdError, Gateway};

/// What a server writes under its key: enough for a client to call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the server listens, HOST:PORT.
    pub addr: String,
    /// What it serves, in the caller's words (the lessons write their crate
    /// name, e.g. `unary`).
    pub kind: String,
    /// Whether it serves TLS, so clients know how to connect.
    pub tls: bool,
}

impl Entry {
    /// The server's key under `prefix`: `{prefix}{addr}`.
    pub fn key(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.addr)
    }

    /// The value stored under the key: a small JSON object.
    pub fn to_json(&self) -> String {
        json!({ "addr": self.addr, "kind": self.kind, "tls": self.tls }).to_string()
    }

    /// Reads a value written by [`Entry::to_json`]; `None` if it is not one.
    pub fn from_json(value: &str) -> Option<Entry> {
        let value: serde_json::Value = serde_json::from_str(value).ok()?;
        Some(Entry {
            addr: value["addr"].as_str()?.to_owned(),
            kind: value["kind"].as_str()?.to_owned(),
            tls: value["tls"].as_bool().unwrap_or(false),
        })
    }
}

/// Every entry registered under `prefix`, sorted by kind, then address.
/// Keys whose value is not an [`Entry`] are left out.
pub async fn list(gateway: &Gateway, prefix: &str) -> Result<Vec<Entry>, EtcdError> {
    let (values, _revision) = gateway.list(prefix).await?;
    let mut entries: Vec<Entry> = values
        .iter()
        .filter_map(|kv| Entry::from_json(&kv.value))
        .collect();
    entries.sort_by(|a, b| (&a.kind, &a.addr).cmp(&(&b.kind, &b.addr)));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_what_it_wrote() {
        let entry = Entry {
            addr: "127.0.0.1:8892".into(),
            kind: "unary".into(),
            tls: true,
        };
        assert_eq!(
            entry.key("/hello/DoStuff/unary/"),
            "/hello/DoStuff/unary/127.0.0.1:8892"
        );
        assert_eq!(Entry::from_json(&entry.to_json()), Some(entry));
        assert_eq!(Entry::from_json("not json"), None);
    }
}
