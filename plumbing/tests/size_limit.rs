//! The call layer's size limit over a real socket, on tonic's health
//! service (its `Check` request carries a service name of any length):
//! what tonic answers alone, and what it answers behind our layer.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    Code,
    transport::{Endpoint, Server},
};
use tonic_health::{
    pb::{
        HealthCheckRequest,
        health_client::HealthClient,
        health_server::{Health, HealthServer},
    },
    server::health_reporter,
};

use plumbing::call_layer::CallLayer;

/// The largest request message the test servers accept, in bytes.
const LIMIT: usize = 1024;

/// tonic's health service, accepting messages up to [`LIMIT`], and a
/// listener to serve it on.
async fn health_and_listener() -> (HealthServer<impl Health>, TcpListenerStream, SocketAddr) {
    let (_, health) = health_reporter();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let health = health.max_decoding_message_size(LIMIT);
    (health, TcpListenerStream::new(listener), addr)
}

/// The code of a health check, at `addr`, of a service whose name is
/// `name_len` bytes long.
async fn check(addr: SocketAddr, name_len: usize) -> Code {
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    let mut client = HealthClient::new(endpoint.connect().await.unwrap());
    let request = HealthCheckRequest {
        service: "x".repeat(name_len),
    };
    match client.check(request).await {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test]
async fn tonic_alone_answers_out_of_range_for_a_request_over_the_limit() {
    // Why the layer has a limit of its own. The day this fails, tonic
    // answers gRPC's RESOURCE_EXHAUSTED itself, and `MessageLimit` can go.
    let (health, incoming, addr) = health_and_listener().await;
    tokio::spawn(
        Server::builder()
            .add_service(health)
            .serve_with_incoming(incoming),
    );
    assert_eq!(check(addr, 2 * LIMIT).await, Code::OutOfRange);
}

#[tokio::test]
async fn the_layer_answers_resource_exhausted_for_a_request_over_the_limit() {
    let (health, incoming, addr) = health_and_listener().await;
    tokio::spawn(
        Server::builder()
            .layer(CallLayer::default().with_message_limit(LIMIT))
            .add_service(health)
            .serve_with_incoming(incoming),
    );
    assert_eq!(check(addr, 2 * LIMIT).await, Code::ResourceExhausted);
    // A request under the limit reaches the service, which knows no
    // service by that name.
    assert_eq!(check(addr, LIMIT / 2).await, Code::NotFound);
}
