//! Exercise 11: field violations in the status details, sent and read.
//!
//! Likely mistakes, each named: a plain `Status::invalid_argument` with no
//! details (the field is only in the message); another code than
//! INVALID_ARGUMENT; only the first wrong field reported; a field named
//! otherwise than in the proto (`Email`, `e-mail`); a valid sign-up (the
//! youngest age allowed) refused; a client that prints the message, or
//! parses it, instead of reading the details.

use tonic::{Code, Request, Response, Status, service::Routes};
use tonic_types::{ErrorDetails, StatusExt};
use workshop::text::checks as t;

use super::{expect_eq, within};
use crate::{
    e11_rich_errors::{MIN_AGE, SignupService, sign_up},
    harness::{self, Report},
    pb::{
        SignupReply, SignupRequest,
        signup_client::SignupClient,
        signup_server::{Signup, SignupServer},
    },
};

pub async fn check(report: Report) -> Result<(), String> {
    check_with(report, SignupService).await
}

/// A sign-up with these fields.
fn request(name: &str, email: &str, age: u32) -> SignupRequest {
    SignupRequest {
        name: name.to_owned(),
        email: email.to_owned(),
        age,
    }
}

/// The check, for any server: yours, or a test's deliberate mistake.
async fn check_with<S: Signup>(report: Report, service: S) -> Result<(), String> {
    let server = harness::serve(Routes::new(SignupServer::new(service))).await?;
    let mut client = SignupClient::new(harness::channel(server.addr).await?);
    let no_reply = || t::NO_REPLY.with(&[("what", &"sign_up")]);

    // The youngest allowed age is valid: the test is `age < MIN_AGE`.
    let valid = request("Ada", "ada@example.org", MIN_AGE);
    let reply = within(client.sign_up(valid), no_reply)
        .await?
        .map_err(|status| {
            t::E11_VALID_REFUSED.with(&[
                ("status", &harness::status_line(&status)),
                ("age", &MIN_AGE),
            ])
        })?;
    expect_eq(
        &t::E11_WELCOME.to_string(),
        "welcome, Ada!",
        &reply.into_inner().message,
    )?;
    report.ok(t::E11_OK_VALID.with(&[("age", &MIN_AGE)]));

    // One wrong field at a time, then all three at once.
    let cases: [(SignupRequest, &[&str]); 4] = [
        (request("Ada", "ada.example.org", 36), &["email"]),
        (request("", "ada@example.org", 36), &["name"]),
        (request("Ada", "ada@example.org", MIN_AGE - 1), &["age"]),
        (request("", "nobody", 3), &["name", "email", "age"]),
    ];
    for (sent, expected) in cases {
        let shown = format!(
            "name {:?}, email {:?}, age {}",
            sent.name, sent.email, sent.age
        );
        let status = match within(client.sign_up(sent), no_reply).await? {
            Ok(_) => return Err(t::E11_BAD_ACCEPTED.with(&[("request", &shown)])),
            Err(status) => status,
        };
        if status.code() != Code::InvalidArgument {
            let status = harness::status_line(&status);
            return Err(t::E11_WRONG_CODE.with(&[("request", &shown), ("status", &status)]));
        }
        let Some(bad) = status.get_details_bad_request() else {
            let status = harness::status_line(&status);
            return Err(t::E11_NO_DETAILS.with(&[("request", &shown), ("status", &status)]));
        };
        let mut fields: Vec<&str> = (bad.field_violations.iter())
            .map(|violation| violation.field.as_str())
            .collect();
        fields.sort_unstable();
        let mut wanted = expected.to_vec();
        wanted.sort_unstable();
        if fields.len() == 1 && wanted.len() > 1 {
            let fields = format!("{fields:?}");
            return Err(t::E11_ONLY_FIRST.with(&[("request", &shown), ("fields", &fields)]));
        }
        if fields != wanted {
            return Err(t::E11_WRONG_FIELDS.with(&[
                ("request", &shown),
                ("expected", &format!("{wanted:?}")),
                ("fields", &format!("{fields:?}")),
            ]));
        }
        report.ok(t::E11_OK_REFUSED.with(&[("request", &shown), ("fields", &expected.join(", "))]));
    }

    // The client, against a server of the check's whose message names no
    // field: only the details do.
    let canned = harness::serve(Routes::new(SignupServer::new(Canned))).await?;
    let mut client = SignupClient::new(harness::channel(canned.addr).await?);
    let line = within(sign_up(&mut client, request(DETAILS, "x", 0)), no_reply).await?;
    if !(line.starts_with("invalid:") && line.contains("email") && line.contains(WHY)) {
        return Err(t::E11_CLIENT_IGNORES_DETAILS.with(&[("line", &format!("{line:?}"))]));
    }
    report.ok(t::E11_OK_CLIENT_DETAILS.with(&[("line", &line)]));
    let line = within(sign_up(&mut client, request(PLAIN, "x", 0)), no_reply).await?;
    expect_eq(
        &t::E11_CLIENT_PLAIN.to_string(),
        "error: UNAVAILABLE: down for maintenance",
        &line,
    )?;
    let line = within(sign_up(&mut client, request("Bea", "x", 0)), no_reply).await?;
    expect_eq(&t::E11_CLIENT_WELCOME.to_string(), "welcome, Bea!", &line)?;
    report.ok(t::E11_OK_CLIENT_OTHERS);
    Ok(())
}

/// The name that makes [`Canned`] refuse with details, and the one that
/// makes it refuse without.
const DETAILS: &str = "details";
const PLAIN: &str = "plain";
/// The one violation [`Canned`] sends.
const WHY: &str = "must contain @";

/// The check's own server: its refusal's message names no field, so a
/// client that finds "email" found it in the details.
struct Canned;

#[tonic::async_trait]
impl Signup for Canned {
    async fn sign_up(
        &self,
        request: Request<SignupRequest>,
    ) -> Result<Response<SignupReply>, Status> {
        let name = request.into_inner().name;
        match name.as_str() {
            DETAILS => Err(Status::with_error_details(
                Code::InvalidArgument,
                "the sign-up was refused",
                ErrorDetails::with_bad_request_violation("email", WHY),
            )),
            PLAIN => Err(Status::unavailable("down for maintenance")),
            _ => Ok(Response::new(SignupReply {
                message: format!("welcome, {name}!"),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use tonic_types::FieldViolation;

    use super::*;
    use crate::checks::{not_yet, verdict};

    /// Refuses with only a message, or with the first violation only.
    struct Mistaken {
        details: bool,
    }

    #[tonic::async_trait]
    impl Signup for Mistaken {
        async fn sign_up(
            &self,
            request: Request<SignupRequest>,
        ) -> Result<Response<SignupReply>, Status> {
            let SignupRequest { name, email, age } = request.into_inner();
            let first = if name.is_empty() {
                Some("name")
            } else if !email.contains('@') {
                Some("email")
            } else if age < MIN_AGE {
                Some("age")
            } else {
                None
            };
            match (first, self.details) {
                (None, _) => Ok(Response::new(SignupReply {
                    message: format!("welcome, {name}!"),
                })),
                (Some(field), false) => Err(Status::invalid_argument(format!("bad {field}"))),
                (Some(field), true) => Err(Status::with_error_details(
                    Code::InvalidArgument,
                    "bad",
                    ErrorDetails::with_bad_request(vec![FieldViolation::new(field, "wrong")]),
                )),
            }
        }
    }

    #[test]
    fn a_refusal_without_details_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, Mistaken { details: false })
        }));
        assert!(why.contains("with_error_details"), "{why}");
    }

    #[test]
    fn only_the_first_wrong_field_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, Mistaken { details: true })
        }));
        assert!(why.contains("every wrong field"), "{why}");
    }
}
