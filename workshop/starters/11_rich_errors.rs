//! Exercise 11: the richer error model.
//!
//! Goal: the server refuses a bad sign-up with INVALID_ARGUMENT *and* a
//! `google.rpc.BadRequest` in the status details, one field violation per
//! wrong field; the client reads the details and says which fields were
//! wrong.
//!
//! A message ("email must contain @") is for a person reading a log. A
//! program (a form that marks the wrong box) needs to know *which field*,
//! and parsing the message for it breaks the day someone rewords it. The
//! details travel beside the code, in the `grpc-status-details-bin`
//! trailer; tonic-types packs and unpacks them. The whole model:
//! `topics/errors` (its README and `src/server.rs`).
//!
//! Check: cargo run -p workshop -- check 11

use tonic::{Code, Request, Response, Status, transport::Channel};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::pb::{SignupReply, SignupRequest, signup_client::SignupClient, signup_server::Signup};

/// The youngest age the service accepts.
pub const MIN_AGE: u32 = 13;

/// The server of exercise 11.
#[derive(Debug, Default)]
pub struct SignupService;

#[tonic::async_trait]
impl Signup for SignupService {
    /// Welcomes a valid sign-up; refuses an invalid one with every wrong
    /// field named in a BadRequest.
    async fn sign_up(
        &self,
        request: Request<SignupRequest>,
    ) -> Result<Response<SignupReply>, Status> {
        let SignupRequest { name, email, age } = request.into_inner();
        // TODO(11): collect a FieldViolation::new(FIELD, WHY) for each wrong
        // field, all of them, not just the first: "name" when it is empty,
        // "email" when it has no '@', "age" when it is below MIN_AGE. The
        // field names are the proto's.
        // If there is any, return
        //   Err(Status::with_error_details(Code::InvalidArgument, MESSAGE,
        //       ErrorDetails::with_bad_request(violations)))
        // Otherwise reply "welcome, NAME!".
        todo!("validate the sign-up")
    }
}

/// Signs up with `request`; returns the line to print:
/// - on success, the server's message;
/// - for INVALID_ARGUMENT with a BadRequest: "invalid: FIELD (WHY); FIELD (WHY)";
/// - otherwise: "error: CODE: message", as in exercise 2.
pub async fn sign_up(client: &mut SignupClient<Channel>, request: SignupRequest) -> String {
    // TODO(11): call sign_up. On an error, `status.get_details_bad_request()`
    // (from tonic_types::StatusExt) decodes the BadRequest, if the server
    // sent one: list each violation's `field` and `description`. Do not
    // parse status.message() for field names.
    todo!("sign up and say which fields were wrong")
}
