//! The frame decoder's claims: HPACK decodes RFC 7541's own examples
//! (Appendix C, with and without Huffman, the dynamic table carried from
//! one request to the next); frames come out the same whatever the chunk
//! boundaries; a gRPC message split across DATA frames is counted once;
//! and a real unary call through the proxy is the sequence the module's
//! doc describes.

use std::time::Duration;

use plumbing::cli::{ClientArgs, ServerArgs};
use tokio::{sync::mpsc, time::timeout};

use crate::{
    Direction, Faults, Frame, Frames, GrpcMessage,
    frames::{FrameReader, PREFACE},
    hpack,
};

/// The longest a test waits for a frame that should come.
const PATIENCE: Duration = Duration::from_secs(10);

/// Bytes from RFC-style hex (spaces ignored).
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// Fields as `name: value` strings, for readable assertions.
fn named(fields: &[(String, String)]) -> Vec<String> {
    fields
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect()
}

/// RFC 7541 C.3 (plain literals) and C.4 (the same requests, Huffman):
/// three requests on one connection, each leaning on the table the
/// previous one filled.
#[test]
fn hpack_decodes_the_rfcs_three_requests_with_and_without_huffman() {
    let expected = [
        vec![
            ":method: GET",
            ":scheme: http",
            ":path: /",
            ":authority: www.example.com",
        ],
        vec![
            ":method: GET",
            ":scheme: http",
            ":path: /",
            ":authority: www.example.com",
            "cache-control: no-cache",
        ],
        vec![
            ":method: GET",
            ":scheme: https",
            ":path: /index.html",
            ":authority: www.example.com",
            "custom-key: custom-value",
        ],
    ];
    let plain = [
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];
    let huffman = [
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];
    for blocks in [plain, huffman] {
        let mut decoder = hpack::Decoder::default();
        for (block, want) in blocks.iter().zip(&expected) {
            let fields = decoder.decode(&hex(block)).unwrap();
            assert_eq!(named(&fields), *want);
        }
    }
}

#[test]
fn an_index_past_the_tables_is_an_error_not_a_panic() {
    let mut decoder = hpack::Decoder::default();
    // 0xbe is index 62: the dynamic table's first entry, which is empty.
    assert!(decoder.decode(&[0xbe]).is_err());
    // A literal whose length runs past the block.
    assert!(decoder.decode(&[0x40, 0x0a, b'a']).is_err());
}

/// A frame: header and payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = u32::try_from(payload.len()).unwrap().to_be_bytes()[1..].to_vec();
    bytes.extend([kind, flags]);
    bytes.extend(stream.to_be_bytes());
    bytes.extend(payload);
    bytes
}

#[test]
fn frames_are_the_same_whatever_the_chunks_and_a_split_message_counts_once() {
    // One 7-byte message whose prefix and body straddle two DATA frames,
    // then a second message of 0 bytes.
    let mut up = PREFACE.to_vec();
    up.extend(frame(0x4, 0, 0, &hex("0004 0010 0000")));
    up.extend(frame(0x0, 0, 1, &hex("00 0000")));
    up.extend(frame(
        0x0,
        0x1,
        1,
        &hex("0007 0102 0304 0506 07 00 0000 0000"),
    ));

    let mut whole = FrameReader::new(Direction::Up);
    let at_once = whole.push(&up);
    let mut bytewise = FrameReader::new(Direction::Up);
    let one_by_one: Vec<Frame> = up.iter().flat_map(|byte| bytewise.push(&[*byte])).collect();
    assert_eq!(at_once, one_by_one);

    let lines: Vec<String> = at_once.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "conn 0 ↑ stream 0 SETTINGS 6B INITIAL_WINDOW_SIZE=1048576",
            "conn 0 ↑ stream 1 DATA 3B",
            "conn 0 ↑ stream 1 DATA 14B [END_STREAM] grpc-message 7B grpc-message 0B",
        ]
    );
}

#[test]
fn bytes_that_are_not_http2_decode_to_nothing() {
    // An HTTP/1.1 request (what a browser's gRPC-Web call is) and a TLS
    // ClientHello's first bytes.
    for start in [
        &b"POST /hello.DoStuff/say_hello HTTP/1.1\r\n"[..],
        &[0x16, 0x03, 0x01, 0x02, 0x00],
    ] {
        let mut reader = FrameReader::new(Direction::Up);
        assert!(reader.push(start).is_empty());
        assert!(!reader.is_http2());
    }
}

/// Whether `frame` has the field `name` with `value`.
fn has(frame: &Frame, name: &str, value: &str) -> bool {
    frame.fields.iter().any(|(n, v)| n == name && v == value)
}

#[tokio::test]
async fn a_unary_call_through_the_proxy_is_headers_data_and_trailers_each_way() {
    let server = test_support::start(ServerArgs::default()).await;
    let (frames, mut seen) = mpsc::unbounded_channel();
    let (events, _events) = mpsc::unbounded_channel();
    let observer = Frames::new(events, move |frame| {
        let _ = frames.send(frame);
    });
    let proxy = crate::start(
        "127.0.0.1:0",
        &server.addr().to_string(),
        Faults::none(),
        observer,
    )
    .await
    .unwrap();
    let args = ClientArgs {
        addr: vec![proxy.addr().to_string()],
        ..ClientArgs::default()
    };
    let mut stub = test_support::stub(&args).await.unwrap();
    let reply = test_support::say_hello(&mut stub, 42, Some(Duration::from_secs(5))).await;
    assert_eq!(reply.unwrap(), "Hello, 42!");

    // Everything up to the call's trailers: the last frame of the call.
    let mut call = Vec::new();
    timeout(PATIENCE, async {
        while let Some(frame) = seen.recv().await {
            println!("{frame}");
            let last = frame.direction == Direction::Down && has(&frame, "grpc-status", "0");
            call.push(frame);
            if last {
                break;
            }
        }
    })
    .await
    .expect("the trailers came in time");

    // The client speaks first: its SETTINGS on stream 0.
    assert_eq!(
        (call[0].direction, call[0].kind, call[0].stream),
        (Direction::Up, "SETTINGS", 0)
    );
    let on_stream = |direction: Direction| -> Vec<&Frame> {
        call.iter()
            .filter(|f| f.direction == direction && f.stream == 1)
            .collect()
    };
    let up = on_stream(Direction::Up);
    assert_eq!(up[0].kind, "HEADERS");
    assert!(has(up[0], ":path", "/hello.DoStuff/say_hello"), "{}", up[0]);
    assert!(has(up[0], "content-type", "application/grpc"), "{}", up[0]);
    let request: Vec<GrpcMessage> = up.iter().flat_map(|f| f.messages.clone()).collect();
    assert_eq!(request.len(), 1, "one request message");
    assert!(up.last().unwrap().flags.contains(&"END_STREAM"));

    let down = on_stream(Direction::Down);
    let kinds: Vec<&str> = down.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["HEADERS", "DATA", "HEADERS"]);
    assert!(has(down[0], ":status", "200"));
    assert_eq!(down[1].messages.len(), 1, "one reply message");
    // "Hello, 42!" in a protobuf string field: tag, length, 10 bytes.
    assert_eq!(down[1].messages[0].length, 12);
    assert!(
        down[2].flags.contains(&"END_STREAM"),
        "trailers end the stream"
    );
    proxy.stop().await;
}
