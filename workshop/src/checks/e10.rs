//! Exercise 10: TLS both ways, and the two ways it must refuse.

use tokio::net::TcpListener;

use super::{expect_eq, failed};
use crate::{
    e10_tls::{connect_tls, make_certificates, serve_tls},
    harness::{self, Report},
    pb::{HelloRequest, secret_client::SecretClient},
};

pub async fn check(report: Report) -> Result<(), String> {
    let certs = make_certificates().map_err(|e| format!("make_certificates failed: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let served = certs.clone();
    let server = tokio::spawn(async move { serve_tls(listener, &served).await });

    let connected = connect_tls(addr, &certs.ca_cert).await;
    // If the server stopped, its error is the one that explains.
    if server.is_finished()
        && let Ok(Err(e)) = server.await
    {
        return Err(format!("serve_tls failed: {}", error_chain(&e)));
    }
    let mut client =
        connected.map_err(|e| format!("connect_tls to your server failed: {}", error_chain(&e)))?;
    let reply = client
        .whisper(HelloRequest::default())
        .await
        .map_err(|status| failed("whisper over TLS", &status))?;
    expect_eq(
        "the reply over TLS",
        "only you can read this",
        &reply.into_inner().message,
    )?;
    report.ok("connect_tls calls serve_tls over TLS, trusting the exercise's CA");

    // A client that does not speak TLS must get nothing.
    let plain = harness::channel(addr).await;
    if let Ok(channel) = plain
        && SecretClient::new(channel)
            .whisper(HelloRequest::default())
            .await
            .is_ok()
    {
        return Err("a client without TLS got an answer: the server is not using TLS".to_owned());
    }
    report.ok("a client without TLS gets no answer");

    // Nor may a client that trusts some other CA.
    let other = make_certificates().map_err(|e| e.to_string())?;
    if let Ok(mut client) = connect_tls(addr, &other.ca_cert).await
        && client.whisper(HelloRequest::default()).await.is_ok()
    {
        return Err(
            "a client that trusts another CA got an answer: the client must trust only the CA it is given"
                .to_owned(),
        );
    }
    report.ok("a client that trusts another CA is refused: the certificate is checked");
    Ok(())
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text = format!("{text}: {error}");
        cause = error.source();
    }
    text
}
