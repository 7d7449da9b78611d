//! The topic's claims, over real sockets: each version reads the other's
//! replies without failing, and sees what the README says it sees; a naive
//! v1 relay loses the field v1 does not know, the byte relay keeps it;
//! reusing a field number makes a v1 reader read the wrong value, and the
//! compiler refuses it once the number is `reserved`. With a real etcd
//! (`--include-ignored`): a rolling upgrade from v1 to v2 fails no call.

use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client,
    server::RunningServer,
};
use prost::Message;
use test_support::EtcdProcess;

use crate::{
    TOPIC,
    client::Stub,
    pb::{v1, v2},
    relay,
    server::{self, Answered, Version},
    upgrade::{self, Step},
};

/// Flags for a server on a free port.
fn on_a_free_port() -> ServerArgs {
    ServerArgs {
        addr: Some("127.0.0.1:0".to_owned()),
        ..ServerArgs::default()
    }
}

/// A server running `version` of the code, and its address.
async fn serve(version: Version) -> (RunningServer, String) {
    let server = server::start(version, Answered::default(), &on_a_free_port())
        .await
        .unwrap();
    let addr = server.listening().to_string();
    (server, addr)
}

/// A relay (naive or not) in front of the server at `to`, and its address.
async fn relay_to(to: &str, naive: bool) -> (RunningServer, String) {
    let args = relay::Args {
        common: on_a_free_port(),
        to: to.to_owned(),
        naive,
    };
    let relay = relay::start(&args).await.unwrap();
    let addr = relay.listening().to_string();
    (relay, addr)
}

/// One `Greet` for pid 7 to `addr`, by a client built from v1.proto.
async fn greet_as_v1(addr: &str) -> v1::Greeting {
    let mut stub = v1::greeter_client::GreeterClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let request = v1::GreetRequest { pid: 7 };
    stub.greet(request).await.unwrap().into_inner()
}

/// The same, by a client built from v2.proto.
async fn greet_as_v2(addr: &str) -> v2::Greeting {
    let mut stub = v2::greeter_client::GreeterClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let request = v2::GreetRequest { pid: 7 };
    stub.greet(request).await.unwrap().into_inner()
}

/// What this crate's client prints for one call to `addr`, built from `proto`.
async fn line_of(proto: Version, addr: &str) -> String {
    let args = ClientArgs {
        addr: vec![addr.to_owned()],
        ..ClientArgs::default()
    };
    let channel = unary::client::channel(TOPIC, &args).await.unwrap();
    let mut stub = Stub::new(proto, channel, client::attach_token(&args).unwrap());
    stub.greet(7, None).await.unwrap().line
}

#[tokio::test]
async fn a_v1_client_reads_a_v2_reply_the_new_mood_as_a_number_the_removed_field_empty() {
    let (_server, addr) = serve(Version::V2).await;
    let reply = greet_as_v1(&addr).await;

    assert_eq!(reply.text, "Hello, 7!");
    assert_eq!(reply.version, "v2");
    // MOOD_EXCITED is 3; v1's enum has no name for it, and prost keeps it.
    assert_eq!(reply.mood, 3);
    assert!(v1::Mood::try_from(reply.mood).is_err());
    // v2 removed `signature`: a v1 reader finds it empty, its default.
    assert_eq!(reply.signature, "");
    assert_eq!(
        line_of(Version::V1, &addr).await,
        r#"Hello, 7! (from v2; mood 3 (a value v1.proto has no name for); signature "")"#
    );
}

#[tokio::test]
async fn a_v2_client_reads_a_v1_reply_the_added_field_empty() {
    let (_server, addr) = serve(Version::V1).await;
    let reply = greet_as_v2(&addr).await;

    assert_eq!(reply.version, "v1");
    assert_eq!(reply.mood(), v2::Mood::Happy);
    // v1 never sends `language`; its `signature` (4) is skipped.
    assert_eq!(reply.language, "");
    assert_eq!(
        line_of(Version::V2, &addr).await,
        r#"Hello, 7! (from v1; mood MOOD_HAPPY; language "")"#
    );
}

#[tokio::test]
async fn a_naive_v1_relay_drops_the_field_v1_does_not_know() {
    let (_server, server_addr) = serve(Version::V2).await;
    // What the v2 server sends, asked directly.
    assert_eq!(greet_as_v2(&server_addr).await.language, "en");

    let (_relay, relay_addr) = relay_to(&server_addr, true).await;
    let reply = greet_as_v2(&relay_addr).await;
    // Decoded into v1's struct and encoded again: field 5 is gone.
    assert_eq!(reply.language, "");
    // The unknown enum value survives: prost kept it as an i32.
    assert_eq!(reply.mood(), v2::Mood::Excited);
    assert_eq!(reply.text, "Hello, 7!");
}

#[tokio::test]
async fn a_relay_that_passes_the_bytes_on_keeps_every_field() {
    let (_server, server_addr) = serve(Version::V2).await;
    let (_relay, relay_addr) = relay_to(&server_addr, false).await;
    let reply = greet_as_v2(&relay_addr).await;
    assert_eq!(
        reply,
        v2::Greeting {
            text: "Hello, 7!".to_owned(),
            mood: v2::Mood::Excited.into(),
            version: "v2".to_owned(),
            language: "en".to_owned(),
        }
    );
}

/// A v2 that got it wrong: instead of reserving `signature`'s number 4, it
/// reused it for `language`. (prost's derive, as generated code uses it: the
/// struct a wrong `v2.proto` would have given.)
#[derive(Clone, PartialEq, prost::Message)]
struct GreetingReusingFour {
    /// As in v1.
    #[prost(string, tag = "1")]
    text: String,
    /// Number 4, which v1 readers know as `signature`.
    #[prost(string, tag = "4")]
    language: String,
}

/// Another wrong v2: number 4 reused with another type.
#[derive(Clone, PartialEq, prost::Message)]
struct GreetingRetypingFour {
    /// Number 4 as a number: seconds since the epoch.
    #[prost(int64, tag = "4")]
    signed_at: i64,
}

#[test]
fn a_reused_field_number_makes_a_v1_reader_read_the_wrong_value() {
    let wrong = GreetingReusingFour {
        text: "Olá, 7!".to_owned(),
        language: "pt-BR".to_owned(),
    };
    let read = v1::Greeting::decode(wrong.encode_to_vec().as_slice()).unwrap();
    // No error at all: the language arrives as the signature.
    assert_eq!(read.signature, "pt-BR");
    assert_eq!(read.text, "Olá, 7!");
}

#[test]
fn a_reused_field_number_of_another_type_makes_a_v1_reader_fail() {
    let wrong = GreetingRetypingFour {
        signed_at: 1_700_000_000,
    };
    // A varint where v1 expects a length-delimited string: the whole
    // message is refused (on a call: INTERNAL, and no reply at all).
    let error = v1::Greeting::decode(wrong.encode_to_vec().as_slice()).unwrap_err();
    assert!(error.to_string().contains("invalid wire type"), "{error}");
}

#[test]
fn the_compiler_refuses_a_field_that_reuses_a_reserved_number() {
    let dir = std::env::temp_dir().join(format!("rolling-upgrade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v2 = std::fs::read_to_string("proto/v2.proto").unwrap();
    let wrong = v2.replace("string language = 5;", "string language = 4;");
    assert_ne!(wrong, v2, "v2.proto no longer has `string language = 5;`");
    std::fs::write(dir.join("wrong.proto"), wrong).unwrap();

    let error = protox::compile(["wrong.proto"], [&dir]).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(error.to_string().contains("reserved"), "{error}");
    // And the real v2.proto compiles.
    protox::compile(["v2.proto"], ["proto"]).unwrap();
}

#[tokio::test]
#[ignore = "needs etcd: see the README, section Registry"]
async fn a_rolling_upgrade_from_v1_to_v2_fails_no_call() {
    let etcd = EtcdProcess::start().await;
    let args = upgrade::Args {
        registry: etcd.url(),
        servers: 2,
        grace_ms: 500,
        delay_ms: 5,
        callers: 2,
        calls_per_step: 20,
    };
    let mut steps = Vec::new();
    let summary = upgrade::run(&args, |step| steps.push(step)).await.unwrap();
    println!("{}\n{}", summary.all, summary.after_the_last_v1);

    let all = &summary.all;
    assert_eq!(all.failed, 0, "{all}");
    assert!(all.answered_by(Version::V1) > 0, "{all}");
    assert!(all.answered_by(Version::V2) > 0, "{all}");
    // Once the last v1 server stopped, only v2 answered.
    let after = &summary.after_the_last_v1;
    assert!(after.made >= 20, "{after}");
    assert_eq!(after.answered_by(Version::V2), after.made, "{after}");

    // Two v1 servers started, then stopped, each after a v2 had joined.
    let started = |version| {
        (steps.iter())
            .filter(|step| matches!(step, Step::Started { version: v, .. } if *v == version))
            .count()
    };
    assert_eq!(started(Version::V1), 2, "{steps:?}");
    assert_eq!(started(Version::V2), 2, "{steps:?}");
    let stopped: Vec<_> = (steps.iter())
        .filter_map(|step| match step {
            Step::Stopped {
                version, answered, ..
            } => Some((*version, *answered)),
            _ => None,
        })
        .collect();
    assert_eq!(stopped.len(), 2, "{steps:?}");
    assert!(
        stopped
            .iter()
            .all(|(version, answered)| *version == Version::V1 && *answered > 0),
        "{steps:?}"
    );
}
