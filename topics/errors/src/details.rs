//! What a client shows of a failed call's details.
//!
//! tonic hands the client the trailer `grpc-status-details-bin` already
//! decoded from base64, as `status.details()`: the bytes of a serialized
//! `google.rpc.Status`. `tonic_types::StatusExt` decodes those bytes and
//! each `google.protobuf.Any` in them into a typed [`ErrorDetail`]. We
//! print the trailer as it travelled (base64 again, without padding, as
//! gRPC sends binary metadata), then one readable line per detail.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use tonic::Status;
use tonic_types::{ErrorDetail, StatusExt};

/// The name of the trailer that carries the details.
pub const TRAILER: &str = "grpc-status-details-bin";

/// The lines to print for `status`'s details: the trailer as it travelled,
/// then one indented line per detail (one per violation for `BadRequest`
/// and `QuotaFailure`). None if the status came without details.
pub fn describe(status: &Status) -> Vec<String> {
    if status.details().is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "{TRAILER}: {}",
        STANDARD_NO_PAD.encode(status.details())
    )];
    match status.check_error_details_vec() {
        Ok(details) => {
            for detail in &details {
                describe_one(detail, &mut lines);
            }
        }
        Err(why) => lines.push(format!("  (not a google.rpc.Status: {why})")),
    }
    lines
}

/// Adds the lines for one detail to `lines`.
fn describe_one(detail: &ErrorDetail, lines: &mut Vec<String>) {
    match detail {
        ErrorDetail::BadRequest(bad) => {
            for violation in &bad.field_violations {
                lines.push(format!(
                    "  BadRequest: field {}: {}",
                    violation.field, violation.description
                ));
            }
        }
        ErrorDetail::LocalizedMessage(localized) => lines.push(format!(
            "  LocalizedMessage ({}): {}",
            localized.locale, localized.message
        )),
        ErrorDetail::RetryInfo(retry) => lines.push(match retry.retry_delay {
            Some(delay) => format!(
                "  RetryInfo: retry in {} ms",
                delay.as_micros().div_ceil(1000)
            ),
            None => "  RetryInfo: no delay given".to_owned(),
        }),
        ErrorDetail::QuotaFailure(quota) => {
            for violation in &quota.violations {
                lines.push(format!(
                    "  QuotaFailure: {}: {}",
                    violation.subject, violation.description
                ));
            }
        }
        // The other standard details (ErrorInfo, Help, DebugInfo...), which
        // our server does not send: shown as Rust sees them.
        other => lines.push(format!("  {other:?}")),
    }
}
