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
    // TODO(9): let the call through (Ok(request)) only if its metadata has
    // `authorization` equal to "Bearer " followed by TOKEN. Otherwise refuse
    // it with Status::unauthenticated, saying whether the token was missing
    // or wrong, without repeating what was sent.
    todo!("check the bearer token")
}

/// The client's interceptor: adds the token to every call.
pub fn attach_token(mut request: Request<()>) -> Result<Request<()>, Status> {
    // TODO(9): insert `authorization: Bearer TOKEN` into the request's
    // metadata, and let it go on.
    todo!("attach the bearer token")
}
