//! Mutual TLS refusing a client, as the operator sees it: one log line per
//! refused handshake, at the default level, naming the caller and the
//! reason; no flood when refusals come by the hundred; the server's own
//! certificate refused as a client's; and a stalled handshake closed. Each handshake is made over a real
//! socket by rustls's client, so that the test knows the caller's address
//! the server logs.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use rustls::{
    ClientConfig, RootCertStore,
    crypto::ring,
    pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject as _},
};
use test_support::{TestServer, captured_logs, say_hello, wait_for_log};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tokio_rustls::TlsConnector;

/// What the client presents: a certificate and its key, as PEM files.
struct Identity<'a> {
    cert: &'a Path,
    key: &'a Path,
}

/// An `--mtls` server on a free port, and the directory of its
/// certificates (this test program's own, made on first use).
async fn mtls_server() -> (TestServer, PathBuf) {
    test_support::capture_logs(tracing::Level::INFO);
    let args = test_support::mutual_tls();
    let certs = args.certs.clone().unwrap();
    (test_support::start(args).await, certs)
}

/// Makes a TLS handshake with `server` as a client trusting `ca` and
/// presenting `identity` (or nothing), then reads until the server answers
/// or hangs up: with TLS 1.3 the server judges the client's certificate
/// after the client thinks it is done. Returns the client's address.
async fn handshake(server: &TestServer, ca: &Path, identity: Option<Identity<'_>>) -> SocketAddr {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(Identity { cert, key }) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(key).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let me = tcp.local_addr().unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    if let Ok(mut tls) = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
    {
        let mut buffer = [0; 64];
        let read = tls.read(&mut buffer);
        let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    }
    me
}

/// The lines the server logged about the connection from `client`.
fn lines_about(client: SocketAddr) -> Vec<String> {
    let client = format!("{client}:");
    (captured_logs().lines())
        .filter(|line| line.contains(&client))
        .map(str::to_owned)
        .collect()
}

/// Waits for the one line about `client`'s refused handshake, checks it
/// is the only one, and returns it.
async fn the_refusal_of(client: SocketAddr) -> String {
    let line = wait_for_log(&[&format!("{client}: TLS handshake refused: ")]).await;
    let line = line.unwrap_or_else(|| panic!("no refusal logged for {client}"));
    assert!(line.contains(" WARN "), "not at the default level: {line}");
    assert_eq!(lines_about(client).len(), 1, "one line per refusal");
    line
}

#[tokio::test]
async fn each_refused_client_certificate_is_one_line_naming_the_caller_and_the_cause() {
    let (server, certs) = mtls_server().await;
    let ca = certs.join("ca.pem");

    // No certificate at all: a client with --tls but not --mtls.
    let client = handshake(&server, &ca, None).await;
    let line = the_refusal_of(client).await;
    assert!(line.contains("no client certificate"), "{line}");

    // A client certificate that another CA signed: another directory's.
    let other = std::env::temp_dir().join(format!("hello-other-ca-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&other);
    plumbing::tls::server_config(&other, true).unwrap();
    let stranger = Identity {
        cert: &other.join("client.pem"),
        key: &other.join("client.key"),
    };
    let client = handshake(&server, &ca, Some(stranger)).await;
    let line = the_refusal_of(client).await;
    assert!(line.contains("a CA this server does not trust"), "{line}");
    std::fs::remove_dir_all(&other).unwrap();

    // The server's own certificate, presented as a client's: it says it
    // is for servers.
    let server_files = Identity {
        cert: &certs.join("server.pem"),
        key: &certs.join("server.key"),
    };
    let client = handshake(&server, &ca, Some(server_files)).await;
    let line = the_refusal_of(client).await;
    assert!(line.contains("not a client's"), "{line}");

    // The client's own certificate still goes through, and calls.
    let client_files = Identity {
        cert: &certs.join("client.pem"),
        key: &certs.join("client.key"),
    };
    let client = handshake(&server, &ca, Some(client_files)).await;
    assert!(lines_about(client).is_empty(), "{:?}", lines_about(client));
    let mut stub = server.stub().await;
    assert_eq!(say_hello(&mut stub, 5, None).await.unwrap(), "Hello, 5!");
}

#[tokio::test]
async fn a_flood_of_refused_handshakes_is_logged_ten_a_second_then_counted() {
    const REFUSED: usize = 40;
    let (server, certs) = mtls_server().await;
    let ca = certs.join("ca.pem");
    let mut clients = Vec::new();
    for _ in 0..REFUSED {
        clients.push(handshake(&server, &ca, None).await);
    }
    // Every refusal is accounted for: a line of its own, or counted in a
    // summary line when its second is over. (The flood is this test's
    // alone: no other test refuses more than ten a second.)
    let accounted = async {
        loop {
            let logs = captured_logs();
            let one_by_one = (clients.iter())
                .filter(|client| logs.contains(&format!("{client}: TLS handshake refused")))
                .count();
            let counted: usize = (logs.lines())
                .filter_map(|line| {
                    let (count, _) =
                        line.split_once(" more refused TLS handshakes in the last second")?;
                    count.rsplit(' ').next()?.parse::<usize>().ok()
                })
                .sum();
            if one_by_one + counted == REFUSED {
                return (one_by_one, counted);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (one_by_one, counted) = tokio::time::timeout(Duration::from_secs(10), accounted)
        .await
        .expect("every refusal logged or counted within 10 s");
    assert!(counted > 0, "{one_by_one} lines, none counted");
    println!("{REFUSED} refused handshakes: {one_by_one} lines, {counted} counted");
}

#[tokio::test]
async fn a_handshake_that_stalls_is_closed_after_the_handshake_timeout_and_said_so() {
    test_support::capture_logs(tracing::Level::INFO);
    let args = plumbing::cli::ServerArgs {
        handshake_timeout_ms: 300,
        ..test_support::mutual_tls()
    };
    let server = test_support::start(args).await;
    let mut stalled = TcpStream::connect(server.addr()).await.unwrap();
    let me = stalled.local_addr().unwrap();
    // The start of a TLS record announcing a 512-byte ClientHello, then
    // nothing more: past the accept loop's first bytes, into the handshake.
    let mut hello = vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc];
    hello.resize(40, 0);
    stalled.write_all(&hello).await.unwrap();
    let started = Instant::now();
    let mut buffer = [0; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stalled.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "still open after 5 s: {read:?}"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}"
    );
    let line = the_refusal_of(me).await;
    assert!(line.contains("not finished within 300 ms"), "{line}");
}
