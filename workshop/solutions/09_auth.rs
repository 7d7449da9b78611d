//! Exercise 9: authentication.
//!
//! Goal: write the interceptor that lets a call through only with the
//! metadata `authorization: Bearer workshop-secret`, and the client's
//! interceptor that adds it.
//!
//! An *interceptor* runs before every call of a service, with the call's
//! metadata, and either lets it through or refuses it with a status; the
//! handler never sees a refused call. A complete version, comparing in
//! constant time: `plumbing/src/auth.rs`.
//!
//! Check: cargo run -p workshop -- check 9

use tonic::{Request, Response, Status, metadata::MetadataValue};

use crate::pb::{HelloReply, HelloRequest, vault_server::Vault};

/// The token the server expects.
pub const TOKEN: &str = "workshop-secret";

/// Given: the server of exercise 9, wrapped with [`check_token`] by the check.
#[derive(Debug, Default)]
pub struct VaultService;

#[tonic::async_trait]
impl Vault for VaultService {
    /// Answers "the vault is open" to whoever gets past the interceptor.
    async fn open(&self, _request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        Ok(Response::new(HelloReply {
            message: "the vault is open".to_owned(),
        }))
    }
}

/// The server's interceptor: lets a call through only with the right token.
pub fn check_token(request: Request<()>) -> Result<Request<()>, Status> {
    let expected = format!("Bearer {TOKEN}");
    match request.metadata().get("authorization") {
        Some(sent) if sent.as_bytes() == expected.as_bytes() => Ok(request),
        // Say what is wrong, but never echo what was sent: it may be a
        // real token meant for somewhere else.
        Some(_) => Err(Status::unauthenticated("wrong token")),
        None => Err(Status::unauthenticated(
            "missing token: send the metadata authorization: Bearer <token>",
        )),
    }
}

/// The client's interceptor: adds the token to every call.
pub fn attach_token(mut request: Request<()>) -> Result<Request<()>, Status> {
    let value = MetadataValue::try_from(format!("Bearer {TOKEN}"))
        .map_err(|_| Status::internal("the token cannot be a metadata value"))?;
    request.metadata_mut().insert("authorization", value);
    Ok(request)
}
