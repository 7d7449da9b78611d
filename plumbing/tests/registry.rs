//! The registry (`--registry`) as servers and clients use it, against a
//! real etcd.
//!
//! Most of these tests start their own etcd (`EtcdProcess`), so they need
//! the `etcd` program: they are `#[ignore]`d by default, and CI runs them
//! with `cargo test -p plumbing --test registry -- --include-ignored`. A
//! student with etcd installed can do the same (README, section Registry).

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use etcd_registry::{Entry, Gateway};
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{Context, explain},
};
use test_support::{
    EtcdProcess, Event, Observed, TestServer, closed_addr, observed, say_hello, serve, start, stub,
};
use tokio::sync::mpsc;

/// Server flags that register in `etcd` with a lease of `ttl_s` seconds.
/// Short, so tests are quick, but not so short that one renewal delayed on
/// a busy machine loses the key: one second only where expiry is the point.
fn registered(etcd: &EtcdProcess, ttl_s: u64) -> ServerArgs {
    ServerArgs {
        registry: Some(etcd.url()),
        registry_ttl_s: ttl_s,
        ..ServerArgs::default()
    }
}

/// A client for `etcd`'s JSON gateway.
fn gateway(etcd: &EtcdProcess) -> Gateway {
    Gateway::new(&etcd.url()).expect("a valid URL")
}

/// Every server registered in `etcd` now.
async fn entries(etcd: &EtcdProcess) -> Vec<Entry> {
    let prefix = plumbing::REGISTRY_PREFIX;
    etcd_registry::list(&gateway(etcd), prefix)
        .await
        .expect("etcd answers")
}

/// The addresses of the unary servers registered in `etcd` now.
async fn registered_addrs(etcd: &EtcdProcess) -> Vec<String> {
    let entries = entries(etcd).await;
    (entries.into_iter())
        .filter(|entry| entry.kind == "unary")
        .map(|entry| entry.addr)
        .collect()
}

/// Waits up to `limit` for `condition` to hold; returns whether it did.
async fn eventually(limit: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    condition().await
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_servers_key_appears_when_it_starts_and_goes_when_it_shuts_down() {
    let etcd = EtcdProcess::start().await;
    let server = start(registered(&etcd, 5)).await;
    let addr = server.addr().to_string();

    // `start` returns once the key is written: no waiting needed.
    assert_eq!(registered_addrs(&etcd).await, vec![addr.clone()]);
    let entries = entries(&etcd).await;
    assert_eq!(
        entries,
        [Entry {
            addr,
            kind: "unary".into(),
            tls: false
        }]
    );

    // Graceful shutdown revokes the lease before it returns.
    server.into_server().shutdown(Duration::from_secs(1)).await;
    assert_eq!(registered_addrs(&etcd).await, Vec::<String>::new());
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_killed_servers_key_goes_when_its_lease_expires() {
    let etcd = EtcdProcess::start().await;
    let server = start(registered(&etcd, 1)).await;
    server.into_server().kill();

    // Nobody revoked the lease: the key is still there...
    assert_eq!(registered_addrs(&etcd).await.len(), 1);
    // ...until the one-second lease runs out (etcd checks every 500 ms).
    let started = Instant::now();
    let gone = eventually(Duration::from_secs(5), async || {
        registered_addrs(&etcd).await.is_empty()
    })
    .await;
    assert!(gone, "the key outlived its lease by far");
    assert!(started.elapsed() >= Duration::from_millis(500));
}

/// Counts the `say_hello` calls a server receives, from its events.
fn count_calls(mut events: mpsc::UnboundedReceiver<Event>) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if event == Event::Started {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    calls
}

/// A unary server registered in `etcd`, and its call counter.
async fn counted_server(etcd: &EtcdProcess) -> (TestServer, Arc<AtomicU32>) {
    let (server, events) = observed(0, registered(etcd, 5)).await;
    (server, count_calls(events))
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_client_follows_servers_that_join_and_leave_and_no_call_fails() {
    let etcd = EtcdProcess::start().await;
    let (first, first_calls) = counted_server(&etcd).await;
    let args = ClientArgs {
        registry: Some(etcd.url()),
        ..ClientArgs::default()
    };
    let stub = stub(&args).await.expect("etcd answers");

    // Calls one after another, as `--repeat` makes them, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let calls = tokio::spawn({
        let (mut stub, stop) = (stub.clone(), stop.clone());
        async move {
            let (mut made, mut failed) = (0, Vec::new());
            while !stop.load(Ordering::SeqCst) {
                let timeout = Some(Duration::from_secs(2));
                if let Err(status) = say_hello(&mut stub, 7, timeout).await {
                    failed.push(status.to_string());
                }
                made += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (made, failed)
        }
    });

    // A second server joins: soon both answer calls.
    let (second, second_calls) = counted_server(&etcd).await;
    let first_before = first_calls.load(Ordering::SeqCst);
    let both = eventually(Duration::from_secs(5), async || {
        second_calls.load(Ordering::SeqCst) >= 10
            && first_calls.load(Ordering::SeqCst) >= first_before + 10
    })
    .await;
    assert!(
        both,
        "while both are up, both should answer: first {} more, second {}",
        first_calls.load(Ordering::SeqCst) - first_before,
        second_calls.load(Ordering::SeqCst)
    );

    // The first leaves gracefully: calls go on, all to the second.
    first.into_server().shutdown(Duration::from_secs(1)).await;
    let second_before = second_calls.load(Ordering::SeqCst);
    let moved = eventually(Duration::from_secs(5), async || {
        second_calls.load(Ordering::SeqCst) >= second_before + 20
    })
    .await;
    assert!(moved, "calls did not go on to the second server");

    stop.store(true, Ordering::SeqCst);
    let (made, failed) = calls.await.unwrap();
    assert!(
        failed.is_empty(),
        "{} of {made} calls failed: {failed:?}",
        failed.len()
    );
    drop(second);
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_server_that_stops_answering_leaves_the_client_before_its_key_expires() {
    let etcd = EtcdProcess::start().await;
    // Two servers, registered by hand under ten-second leases, so that
    // one can vanish without deregistering, as a killed server does.
    let (first, first_calls) = observed(0, ServerArgs::default()).await;
    let (second, second_calls) = observed(0, ServerArgs::default()).await;
    let (first_calls, second_calls) = (count_calls(first_calls), count_calls(second_calls));
    let mut registrations = Vec::new();
    for server in [&first, &second] {
        let entry = Entry {
            addr: server.addr().to_string(),
            kind: "unary".into(),
            tls: false,
        };
        let ttl = Duration::from_secs(10);
        let prefix = unary::PROGRAM.registry_prefix();
        let registration = etcd_registry::register(gateway(&etcd), &prefix, entry, ttl);
        registrations.push(registration.await.unwrap());
    }
    let args = ClientArgs {
        registry: Some(etcd.url()),
        ..ClientArgs::default()
    };
    let mut stub = stub(&args).await.expect("etcd answers");
    let both = eventually(Duration::from_secs(5), async || {
        let _ = say_hello(&mut stub, 7, Some(Duration::from_secs(2))).await;
        first_calls.load(Ordering::SeqCst) > 0 && second_calls.load(Ordering::SeqCst) > 0
    })
    .await;
    assert!(both, "both servers should answer");

    // The first vanishes: its lease is no longer renewed, but not revoked.
    registrations.remove(0).abandon();
    first.into_server().shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        registered_addrs(&etcd).await.len(),
        2,
        "its key is still there"
    );

    // Every call now goes to the second, and none fails.
    let before = second_calls.load(Ordering::SeqCst);
    for _ in 0..20 {
        let reply = say_hello(&mut stub, 7, Some(Duration::from_secs(2))).await;
        assert_eq!(reply.unwrap(), "Hello, 7!");
    }
    assert_eq!(second_calls.load(Ordering::SeqCst), before + 20);
    drop(second);
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_server_registered_with_tls_is_called_over_tls() {
    let etcd = EtcdProcess::start().await;
    let certs = std::env::temp_dir().join(format!("hello-registry-tls-{}", std::process::id()));
    let args = ServerArgs {
        tls: true,
        certs: Some(certs.clone()),
        ..registered(&etcd, 5)
    };
    let server = start(args).await;
    let entries = entries(&etcd).await;
    assert!(entries[0].tls, "the entry says the server speaks TLS");

    // No --tls on the client: the registry says so. It only needs the CA.
    let args = ClientArgs {
        registry: Some(etcd.url()),
        ca: Some(certs.join("ca.pem")),
        ..ClientArgs::default()
    };
    let mut stub = stub(&args).await.expect("etcd answers");
    let reply = say_hello(&mut stub, 9, Some(Duration::from_secs(5))).await;
    assert_eq!(reply.unwrap(), "Hello, 9!");
    drop(server);
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_client_with_no_server_registered_is_told_how_to_start_one() {
    let etcd = EtcdProcess::start().await;
    let args = ClientArgs {
        registry: Some(etcd.url()),
        ..ClientArgs::default()
    };
    let error = stub(&args).await.unwrap_err();
    assert_eq!(
        explain(&error, &Context::new(unary::PROGRAM, &args)),
        format!(
            "no unary server is registered in etcd at {url}; start one with: cargo run -p unary --bin server -- --addr 127.0.0.1:0 --registry {url}",
            url = etcd.url()
        )
    );
}

#[tokio::test]
async fn a_server_that_cannot_reach_etcd_at_start_does_not_start() {
    // Nothing listens there: as if etcd were not running.
    let url = format!("http://{}", closed_addr());
    let args = ServerArgs {
        addr: Some("127.0.0.1:0".into()),
        registry: Some(url.clone()),
        ..ServerArgs::default()
    };
    let (service, _) = Observed::new(Duration::ZERO);
    let error = serve(service, &args).await.unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("cannot reach etcd at {url} (")),
        "{error}"
    );
    assert!(error.contains("must be registered"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_server_keeps_serving_without_etcd_and_registers_again_when_it_is_back() {
    let mut etcd = EtcdProcess::start().await;
    let server = start(registered(&etcd, 5)).await;
    // A client that found the server through the registry.
    let args = ClientArgs {
        registry: Some(etcd.url()),
        ..ClientArgs::default()
    };
    let mut stub = stub(&args).await.expect("etcd answers");

    // etcd crashes: the server goes on answering calls, and the client
    // goes on calling the server it knows.
    etcd.stop();
    for _ in 0..3 {
        let reply = say_hello(&mut stub, 7, Some(Duration::from_secs(2))).await;
        assert_eq!(reply.unwrap(), "Hello, 7!");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    // A new, empty etcd takes its place: the server registers again at
    // its next renewal (every third of its 5 s lease).
    etcd.start_empty().await;
    let back = eventually(Duration::from_secs(8), async || {
        registered_addrs(&etcd).await == [server.addr().to_string()]
    })
    .await;
    assert!(back, "the server did not register again");
    let reply = say_hello(&mut stub, 7, Some(Duration::from_secs(2))).await;
    assert_eq!(reply.unwrap(), "Hello, 7!");
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn an_entry_wrong_about_tls_is_named_as_the_reason_no_server_answers() {
    let etcd = EtcdProcess::start().await;
    // A plaintext server, registered by hand as if it spoke TLS.
    let server = start(ServerArgs::default()).await;
    let entry = Entry {
        addr: server.addr().to_string(),
        kind: "unary".into(),
        tls: true,
    };
    let ttl = Duration::from_secs(10);
    let prefix = unary::PROGRAM.registry_prefix();
    let _registration = etcd_registry::register(gateway(&etcd), &prefix, entry, ttl)
        .await
        .unwrap();
    // A CA to trust, so that the client can try TLS at all.
    let certs = std::env::temp_dir().join(format!("hello-registry-wrong-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&certs);
    plumbing::tls::server_config(&certs, false).unwrap();

    let args = ClientArgs {
        registry: Some(etcd.url()),
        ca: Some(certs.join("ca.pem")),
        ..ClientArgs::default()
    };
    let error = stub(&args).await.unwrap_err();
    let line = explain(&error, &Context::new(unary::PROGRAM, &args));
    let addr = server.addr();
    assert!(
        line.starts_with(&format!(
            "1 unary server(s) registered in etcd at {}, but none answers: {addr} does not speak what its entry says about TLS (UNAVAILABLE: ",
            etcd.url()
        )),
        "{line}"
    );
    assert!(
        line.ends_with("start it again, with --tls only if it should speak TLS"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(certs);
}
