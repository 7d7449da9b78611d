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
        // Every wrong field, not just the first: a form marks them all at
        // once, rather than one per try.
        let mut violations = Vec::new();
        if name.trim().is_empty() {
            violations.push(FieldViolation::new("name", "must not be empty"));
        }
        if !email.contains('@') {
            violations.push(FieldViolation::new(
                "email",
                format!("must contain @, got {email:?}"),
            ));
        }
        if age < MIN_AGE {
            violations.push(FieldViolation::new(
                "age",
                format!("must be at least {MIN_AGE}, got {age}"),
            ));
        }
        if !violations.is_empty() {
            // The message is for logs; the details are for programs. The
            // field names are the proto's, which both sides share.
            let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
            let message = format!("invalid sign-up: {}", fields.join(", "));
            return Err(Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request(violations),
            ));
        }
        Ok(Response::new(SignupReply {
            message: format!("welcome, {name}!"),
        }))
    }
}

/// Signs up with `request`; returns the line to print:
/// - on success, the server's message;
/// - for INVALID_ARGUMENT with a BadRequest: "invalid: FIELD (WHY); FIELD (WHY)";
/// - otherwise: "error: CODE: message", as in exercise 2.
pub async fn sign_up(client: &mut SignupClient<Channel>, request: SignupRequest) -> String {
    match client.sign_up(request).await {
        Ok(reply) => reply.into_inner().message,
        Err(status) => match status.get_details_bad_request() {
            // The details decode from the trailer; no parsing of the message.
            Some(bad) if !bad.field_violations.is_empty() => {
                let fields: Vec<String> = (bad.field_violations.iter())
                    .map(|v| format!("{} ({})", v.field, v.description))
                    .collect();
                format!("invalid: {}", fields.join("; "))
            }
            _ => format!(
                "error: {}: {}",
                crate::code_name(status.code()),
                status.message()
            ),
        },
    }
}
