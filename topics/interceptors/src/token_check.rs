//! An async token check: a server-side layer that looks the caller's token
//! up in a store, and refuses the call with UNAUTHENTICATED before its
//! handler runs.
//!
//! The lesson crates check `--token` with a tonic `Interceptor` (plumbing's
//! `RequireToken`): comparing with one known token is instant. A real
//! service asks somewhere else: a database, an identity service. That
//! answer comes *later*, and an `Interceptor` is a plain synchronous
//! function: it cannot `.await`. A layer's `call` returns a future, so it
//! can wait for the store, then either pass the call on or answer itself.
//!
//! What the check learned (who the caller is) travels on to the handler in
//! the request's *extensions*, a typed map that goes along with a request
//! inside the process and never onto the wire: the handler reads
//! `request.extensions().get::<Caller>()`.

use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use futures::future::BoxFuture;
use hello_proto::pb::do_stuff_server::SERVICE_NAME;
use tonic::{Status, body::Body};
use tower::{Layer, Service};
use tracing::warn;

/// Who made a call, as the token store says: put in the request's
/// extensions by [`TokenCheck`] for the handler to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller(pub String);

/// A stand-in for a real token store (a database, an identity service):
/// it knows token → user, and takes `delay` to answer, as a network
/// round trip would.
#[derive(Clone, Debug, Default)]
pub struct TokenStore {
    users: Arc<HashMap<String, String>>,
    delay: Duration,
}

impl TokenStore {
    /// A store of `(user, token)` pairs that answers after `delay`.
    pub fn new(users: impl IntoIterator<Item = (String, String)>, delay: Duration) -> TokenStore {
        let users = users.into_iter().map(|(user, token)| (token, user));
        TokenStore {
            users: Arc::new(users.collect()),
            delay,
        }
    }

    /// Whose token this is, if anyone's. Async, like any real lookup.
    pub async fn lookup(&self, token: &str) -> Option<Caller> {
        tokio::time::sleep(self.delay).await;
        self.users.get(token).cloned().map(Caller)
    }
}

/// The layer: `Server::builder().layer(TokenCheckLayer::new(store))`.
/// With no store (`None`: no `--user` given), every call passes.
#[derive(Clone, Debug, Default)]
pub struct TokenCheckLayer {
    store: Option<TokenStore>,
}

impl TokenCheckLayer {
    /// Checks every `hello.DoStuff` call against `store`, if there is one.
    pub fn new(store: Option<TokenStore>) -> TokenCheckLayer {
        TokenCheckLayer { store }
    }
}

impl<S> Layer<S> for TokenCheckLayer {
    type Service = TokenCheck<S>;

    fn layer(&self, inner: S) -> TokenCheck<S> {
        TokenCheck {
            inner,
            store: self.store.clone(),
        }
    }
}

/// The service the layer makes: answers UNAUTHENTICATED itself, or passes
/// the call on to `inner` with a [`Caller`] in its extensions.
#[derive(Clone, Debug)]
pub struct TokenCheck<S> {
    inner: S,
    store: Option<TokenStore>,
}

impl<S> Service<http::Request<Body>> for TokenCheck<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // Health and reflection are for tools, which may always ask; and
        // with no store, there is nothing to check.
        let ours = request
            .uri()
            .path()
            .starts_with(&format!("/{SERVICE_NAME}/"));
        let store = match &self.store {
            Some(store) if ours => store.clone(),
            _ => return Box::pin(self.inner.call(request)),
        };

        // `self.inner` was made ready by `poll_ready`; the future below
        // outlives `&mut self`, so it takes that ready service and leaves
        // a fresh clone in its place (tower's usual move).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let token = bearer_token(request.headers()).map(str::to_owned);
        Box::pin(async move {
            let caller = match token {
                Some(token) => store.lookup(&token).await,
                None => None,
            };
            match caller {
                Some(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                // Answer for the handler, which never runs: a reply with
                // no message, its status in the headers ("trailers-only").
                None => {
                    let path = request.uri().path();
                    warn!("refused {path}: no token, or one the store does not know");
                    Ok(Status::unauthenticated(
                        "no token, or one the token store does not know: pass --token with a --user's token",
                    )
                    .into_http())
                }
            }
        })
    }
}

/// The token in `authorization: Bearer <token>`, if the header is there.
fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ")
}
