//! Exercise 10: TLS both ways, and the two ways it must refuse.
//!
//! Likely mistakes, each named from the error they cause: a server without
//! `tls_config` (plaintext); a client on `http://`, or without our CA (it
//! trusts nothing it was given), or expecting a name the certificate does
//! not carry.

use std::time::Duration;

use tokio::net::TcpListener;
use workshop::text::checks as t;

use super::{expect_eq, within};
use crate::{
    e10_tls::{connect_tls, make_certificates, serve_tls},
    harness::{self, Report},
    pb::{HelloRequest, secret_client::SecretClient},
    serve::error_chain,
};

/// How long a server that failed may take to end once its client could not
/// connect: its error explains more than the client's.
const SERVER_GRACE: Duration = Duration::from_millis(500);

pub async fn check(report: Report) -> Result<(), String> {
    let certs = make_certificates().map_err(|e| format!("make_certificates: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let served = certs.clone();
    let mut server = tokio::spawn(async move { serve_tls(listener, &served).await });

    let connected = within(connect_tls(addr, &certs.ca_cert), || {
        t::NO_REPLY.with(&[("what", &"connect_tls")])
    })
    .await?;
    // If the server stopped, its error is the one that explains: when the
    // connection failed, give it a moment to stop and say why.
    let grace = if connected.is_err() {
        SERVER_GRACE
    } else {
        Duration::ZERO
    };
    if let Ok(Ok(Err(e))) = tokio::time::timeout(grace, &mut server).await {
        let error = error_chain(&e);
        if error.contains("KeyMismatch") {
            return Err(t::E10_KEY_MISMATCH.with(&[("error", &error)]));
        }
        return Err(t::E10_SERVE_FAILED.with(&[("error", &error)]));
    }
    let mut client = connected.map_err(|e| explain_tls_error(&error_chain(&e)))?;
    let reply = within(client.whisper(HelloRequest::default()), || {
        t::NO_REPLY.with(&[("what", &"whisper")])
    })
    .await?
    .map_err(|status| t::E10_WHISPER_FAILED.with(&[("status", &harness::status_line(&status))]))?;
    expect_eq(
        &t::E10_REPLY.to_string(),
        "only you can read this",
        &reply.into_inner().message,
    )?;
    report.ok(t::E10_OK_TLS);

    // A client that does not speak TLS must get nothing.
    let plain = harness::channel(addr).await;
    if let Ok(channel) = plain {
        let mut plain = SecretClient::new(channel);
        if let Ok(Ok(_)) = within(plain.whisper(HelloRequest::default()), String::new).await {
            return Err(t::E10_PLAIN_ANSWERED.to_string());
        }
    }
    report.ok(t::E10_OK_PLAIN_REFUSED);

    // Nor may a client that trusts some other CA.
    let other = make_certificates().map_err(|e| e.to_string())?;
    if let Ok(Ok(mut client)) = within(connect_tls(addr, &other.ca_cert), String::new).await
        && let Ok(Ok(_)) = within(client.whisper(HelloRequest::default()), String::new).await
    {
        return Err(t::E10_OTHER_CA_ANSWERED.to_string());
    }
    report.ok(t::E10_OK_OTHER_CA_REFUSED);
    Ok(())
}

/// The likeliest cause of a failed TLS connection, from its error's words
/// (rustls and hyper's), before the error itself.
fn explain_tls_error(error: &str) -> String {
    let cause = if error.contains("UnknownIssuer") {
        Some(t::E10_CLIENT_DOES_NOT_TRUST_CA)
    } else if error.contains("not valid for name") {
        Some(t::E10_WRONG_NAME)
    } else if error.contains("InvalidContentType") || error.contains("corrupt message") {
        Some(t::E10_SERVER_NOT_TLS)
    } else {
        None
    };
    match cause {
        Some(cause) => t::E10_FAILED_BECAUSE.with(&[("cause", &cause), ("error", &error)]),
        None => t::E10_CONNECT_FAILED.with(&[("error", &error)]),
    }
}
