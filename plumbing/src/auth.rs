//! Authentication with a bearer token: the note's "autenticação".
//!
//! gRPC carries credentials in *metadata*: key-value pairs sent as HTTP/2
//! headers before the messages. The convention, shared with HTTP APIs, is
//! `authorization: Bearer <token>`. Both halves are tonic *interceptors*:
//! small functions that see every call's metadata before the handler (on the
//! server) or before it leaves (on the client), and may reject or amend it.

use std::sync::Arc;

use subtle::ConstantTimeEq;
use tonic::{Request, Status, metadata::MetadataValue, service::Interceptor};

/// Server side: lets a call through only if it carries the expected token.
///
/// With no token configured every call passes, so a server started without
/// `--token` behaves like the note's.
#[derive(Clone, Default)]
pub struct RequireToken {
    /// The whole expected header value, `Bearer <token>`, or `None` for an
    /// open server. An `Arc` because tonic clones the interceptor per connection.
    expected: Option<Arc<[u8]>>,
}

impl RequireToken {
    /// Demand `token` on every call, or nothing when `token` is `None`.
    pub fn new(token: Option<&str>) -> Self {
        Self {
            expected: token.map(|token| format!("Bearer {token}").into_bytes().into()),
        }
    }
}

impl Interceptor for RequireToken {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = &self.expected else {
            return Ok(request);
        };
        match request.metadata().get("authorization") {
            None => Err(Status::unauthenticated(
                "no token: this server wants the metadata `authorization: Bearer <token>`",
            )),
            // Compare in constant time: a plain `==` stops at the first
            // different byte, and how long it took tells an attacker how many
            // leading bytes they guessed right.
            Some(got) if bool::from(got.as_bytes().ct_eq(expected)) => Ok(request),
            // Never echo what was sent: it may be a real secret, mistyped.
            Some(_) => Err(Status::unauthenticated(
                "wrong token: the `authorization` header does not match this server's --token",
            )),
        }
    }
}

impl std::fmt::Debug for RequireToken {
    // Hand-written so that a token can never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireToken")
            .field("enabled", &self.expected.is_some())
            .finish()
    }
}

/// Client side: adds `authorization: Bearer <token>` to every outgoing call,
/// streams included (metadata is sent once, when a call starts).
#[derive(Clone, Default)]
pub struct AttachToken {
    /// The ready-made header value, or `None` to send no header.
    header: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl AttachToken {
    /// Attach `token` to every call, or nothing when `token` is `None`.
    ///
    /// Fails if the token has characters a header cannot carry.
    pub fn new(token: Option<&str>) -> Result<Self, BadToken> {
        let header = token
            .map(|token| {
                let mut value: MetadataValue<_> =
                    format!("Bearer {token}").parse().map_err(|_| BadToken)?;
                // Marked sensitive: HTTP/2 then never stores it in its header
                // compression table, and debug output hides it.
                value.set_sensitive(true);
                Ok(value)
            })
            .transpose()?;
        Ok(Self { header })
    }
}

/// A `--token` that cannot travel in a header. (It is never shown: it may
/// be a real secret, mistyped.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadToken;

impl std::fmt::Display for BadToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "--token may hold only visible ASCII characters (no spaces, newlines or accents)",
        )
    }
}

impl std::error::Error for BadToken {}

impl Interceptor for AttachToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(header) = &self.header {
            request
                .metadata_mut()
                .insert("authorization", header.clone());
        }
        Ok(request)
    }
}

impl std::fmt::Debug for AttachToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachToken")
            .field("enabled", &self.header.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request<()> {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", value.parse().unwrap());
        request
    }

    #[test]
    fn an_open_server_lets_everything_through() {
        assert!(RequireToken::new(None).call(Request::new(())).is_ok());
    }

    #[test]
    fn missing_and_wrong_tokens_are_told_apart_without_echoing() {
        let mut auth = RequireToken::new(Some("s3cret"));
        let missing = auth.call(Request::new(())).unwrap_err();
        assert_eq!(missing.code(), tonic::Code::Unauthenticated);
        assert!(missing.message().starts_with("no token"));

        let wrong = auth.call(with_header("Bearer guess-me")).unwrap_err();
        assert!(wrong.message().starts_with("wrong token"));
        assert!(!wrong.message().contains("guess-me"));

        assert!(auth.call(with_header("Bearer s3cret")).is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let shown = format!(
            "{:?} {:?}",
            RequireToken::new(Some("s3cret")),
            AttachToken::new(Some("s3cret")).unwrap()
        );
        assert!(!shown.contains("s3cret"));
    }
}
