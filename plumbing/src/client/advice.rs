//! Why a call failed, in a few kinds, each calling for one piece of advice.
//!
//! A status code alone does not say what to do: UNAVAILABLE is both
//! "nothing listens there" and "the server shut down mid-call", and the
//! fixes differ. So we first name the case from what lies under the status
//! (the I/O error, the TLS error, the HTTP/2 error), and only then advise
//! ([`super::explain`]). Advice that guessed would be worse than none.

use std::{error::Error, io};

use tonic::{Code, ConnectError, Status};

use super::Context;
use crate::call_layer::SHUTTING_DOWN;

/// What a failed call calls for. Each kind has one piece of advice, and a
/// test that produces it over a real socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// Nothing listens at the address (connection refused): start the server.
    StartServer,
    /// The address could not be reached at all (no such host, no route, a
    /// timeout): check it.
    CheckAddress,
    /// Something at the address accepted the connection and reset it at
    /// once: the address is right and its machine is up, but what listens
    /// there hung up (a proxy whose server is down, a program that is not
    /// a gRPC server).
    ResetAsItOpened,
    /// The server speaks TLS and this client does not: add `--tls`.
    AddTls,
    /// This client speaks TLS and the server does not: drop `--tls`.
    DropTls,
    /// With `--registry`: a registered entry is wrong about TLS.
    FixRegisteredTls,
    /// The server's certificate is not signed by the CA this client trusts:
    /// pass the right one with `--ca`.
    TrustServersCa,
    /// The server's certificate does not name the host dialled.
    CertificateNotForHost,
    /// The server wants a client certificate (it runs `--mtls`), and this
    /// client sent none: add `--mtls`.
    AddMtls,
    /// The server ended the call because it was shutting down.
    ServerShutDown,
    /// The connection broke during the call (the server stopped, say).
    ConnectionLost,
    /// The server does not implement this method: it is another program's.
    WrongKind,
    /// The deadline is shorter than the stream takes at the pace asked for.
    StreamOutlastsDeadline,
    /// The server took longer than the deadline.
    DeadlinePassed,
    /// The server wants a token and none was sent.
    AddToken,
    /// The server refused the token sent.
    FixToken,
    /// The server refused a value of the request.
    FixValue,
    /// Nothing more to say than the status itself.
    Nothing,
}

/// Names the case of a failed call, from its status and what caused it.
pub fn classify(status: &Status, context: &Context<'_>) -> Advice {
    match status.code() {
        Code::Unavailable if status.message() == SHUTTING_DOWN => return Advice::ServerShutDown,
        Code::Unimplemented => return Advice::WrongKind,
        // A deadline that passed while the client was still connecting
        // (wait-for-ready) is about the connection: advised below.
        Code::DeadlineExceeded if !failed_to_connect(status) => return deadline_advice(context),
        Code::Unauthenticated if context.args.token.is_none() => return Advice::AddToken,
        Code::Unauthenticated => return Advice::FixToken,
        Code::InvalidArgument => return Advice::FixValue,
        _ => {}
    }
    let tls_mismatch = if context.args.registry().is_some() {
        Advice::FixRegisteredTls
    } else if context.args.speaks_tls() {
        Advice::DropTls
    } else {
        Advice::AddTls
    };
    if let Some(tls) = cause::<rustls::Error>(status) {
        return match tls {
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
            | rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            ) => Advice::CertificateNotForHost,
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature,
            ) => Advice::TrustServersCa,
            // Not TLS at all came back: the server speaks plaintext.
            rustls::Error::InvalidMessage(_) => tls_mismatch,
            _ => Advice::Nothing,
        };
    }
    // Plaintext HTTP/2 got bytes that are no HTTP/2 frame: a TLS record's
    // header reads as a frame far over the size limit.
    if cause::<h2::Error>(status)
        .is_some_and(|h2| h2.reason() == Some(h2::Reason::FRAME_SIZE_ERROR))
    {
        return tls_mismatch;
    }
    if cause::<ConnectError>(status).is_some() {
        return match cause::<io::Error>(status).map(io::Error::kind) {
            // A unix socket's file that is not there: nothing listens either.
            Some(io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound) => Advice::StartServer,
            // Closed in the middle of our TLS hello: it does not speak TLS.
            Some(io::ErrorKind::UnexpectedEof) => tls_mismatch,
            // Reached, then hung up on: not an address to check.
            Some(io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => {
                Advice::ResetAsItOpened
            }
            _ => Advice::CheckAddress,
        };
    }
    // A server with mutual TLS refuses a client without a certificate with
    // TLS 1.3's `certificate_required` alert. By the time it reaches us the
    // HTTP/2 layer has kept only the error's text, so the text it is.
    if causes(status).any(|error| error.to_string().contains("CertificateRequired")) {
        return Advice::AddMtls;
    }
    // The call had started: what failed was the connection, not the server's code.
    if status.source().is_some() {
        return Advice::ConnectionLost;
    }
    Advice::Nothing
}

/// Whether the call failed before it was sent: the connection could not be
/// made (refused, unreachable, timed out). No server saw the request, so
/// trying again is always safe; that is what wait-for-ready does.
pub fn failed_to_connect(status: &Status) -> bool {
    cause::<ConnectError>(status).is_some()
}

/// A deadline passed: was the stream asked to take longer than allowed, or
/// was the server slower than the deadline?
fn deadline_advice(context: &Context<'_>) -> Advice {
    match (context.pace(), context.args.timeout()) {
        (Some(pace), Some(timeout)) if pace >= timeout => Advice::StreamOutlastsDeadline,
        _ => Advice::DeadlinePassed,
    }
}

/// The first error of type `E` among the causes of `status`.
pub(super) fn cause<E: Error + 'static>(status: &Status) -> Option<&E> {
    causes(status).find_map(|error| error.downcast_ref::<E>())
}

/// The errors that caused `status`, outermost first.
///
/// An `io::Error` made from another error shows that error's message but
/// skips it as its `source()`; we step into it, so a TLS error wrapped in
/// an I/O error is found too.
pub(super) fn causes(status: &Status) -> impl Iterator<Item = &(dyn Error + 'static)> {
    let mut next = status.source();
    std::iter::from_fn(move || {
        let current = next?;
        let wrapped = current
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref);
        next = match wrapped {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}
