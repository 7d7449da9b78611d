//! HTTP/2 frames, decoded from the bytes the proxy relays: what a gRPC
//! call *is* on the wire.
//!
//! A plaintext gRPC connection is one HTTP/2 connection: the client sends
//! a fixed preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`), then both sides
//! send **frames**, each a 9-byte header (length: 24 bits, type, flags,
//! stream id: 31 bits) and a payload. A call is a **stream** (odd ids, 1,
//! 3, 5, ... chosen by the client); stream 0 is the connection itself. A
//! unary call is, in each direction:
//!
//! - up: HEADERS (`:method POST`, `:path /hello.DoStuff/say_hello`,
//!   `content-type application/grpc`, `te trailers`, `grpc-timeout`), DATA
//!   (the request, behind gRPC's 5-byte prefix: a compressed flag and a
//!   4-byte length), with END_STREAM;
//! - down: HEADERS (`:status 200`), DATA (the reply), and HEADERS again,
//!   the **trailers** (`grpc-status 0`), with END_STREAM.
//!
//! Around them the connection's own frames: SETTINGS (each side's limits,
//! then an ACK), WINDOW_UPDATE (flow control: "you may send N bytes
//! more"), PING (keepalive, and tonic's bandwidth estimate), RST_STREAM
//! (one call cancelled), GOAWAY (the connection is closing).
//!
//! [`Frames`] is an [`Observer`]: it keeps a [`FrameReader`] per
//! connection and direction, feeds it every chunk, and hands each decoded
//! [`Frame`] to a sink (the program prints it; the web page publishes it).

use std::{
    collections::HashMap,
    fmt,
    sync::{Mutex, PoisonError},
};

use crate::{
    faults::Direction,
    hpack,
    observe::{Chunk, Event, Observer},
};

/// What a client sends first on an HTTP/2 connection (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// A frame header's size: length (3), type (1), flags (1), stream (4).
const FRAME_HEADER_LEN: usize = 9;

/// gRPC's prefix of each message in DATA: compressed flag (1), length (4).
const GRPC_PREFIX_LEN: usize = 5;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The proxy's connection number.
    pub connection: u64,
    /// Up (client to server) or down.
    pub direction: Direction,
    /// The stream: a call's id, or 0 for the connection's own frames.
    pub stream: u32,
    /// The frame's type, by its name (`HEADERS`, `DATA`, ...).
    pub kind: &'static str,
    /// The flags that are set, by name (`END_STREAM`, `ACK`, ...).
    pub flags: Vec<&'static str>,
    /// The payload's length in bytes.
    pub length: usize,
    /// What the payload says, as name and value: the header fields of a
    /// HEADERS (decoded by HPACK), each setting of a SETTINGS, the
    /// increment of a WINDOW_UPDATE, the error of a RST_STREAM or GOAWAY.
    pub fields: Vec<(String, String)>,
    /// The gRPC messages that start in this DATA frame (a message may span
    /// frames; it is listed in the one where its prefix is).
    pub messages: Vec<GrpcMessage>,
}

/// A gRPC message's 5-byte prefix, as read from a DATA frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrpcMessage {
    /// The compressed flag (set when `grpc-encoding` compressed it).
    pub compressed: bool,
    /// The message's length, prefix excluded: the protobuf's size.
    pub length: u32,
}

impl fmt::Display for Frame {
    /// One line: `conn 1 ↑ stream 1 HEADERS [END_HEADERS] :method=POST ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrow = match self.direction {
            Direction::Up => '↑',
            Direction::Down => '↓',
        };
        write!(
            f,
            "conn {} {arrow} stream {} {} {}B",
            self.connection, self.stream, self.kind, self.length
        )?;
        if !self.flags.is_empty() {
            write!(f, " [{}]", self.flags.join(","))?;
        }
        for (name, value) in &self.fields {
            write!(f, " {name}={value}")?;
        }
        for message in &self.messages {
            write!(f, " grpc-message {}B", message.length)?;
            if message.compressed {
                f.write_str(" (compressed)")?;
            }
        }
        Ok(())
    }
}

/// One direction of one connection, decoded incrementally: bytes in, whole
/// frames out, whatever the chunks' boundaries.
#[derive(Debug)]
pub struct FrameReader {
    /// Which direction this is (up must start with the preface).
    direction: Direction,
    /// Bytes received and not yet a whole frame.
    buffer: Vec<u8>,
    /// Bytes of the preface still to check and skip (up only).
    preface_left: usize,
    /// Set when the bytes are not HTTP/2 (TLS, HTTP/1.1): decode no more.
    not_http2: bool,
    /// This direction's HPACK state: the dynamic table is per direction.
    hpack: hpack::Decoder,
    /// A header block waiting for its CONTINUATIONs: stream and bytes.
    block: Option<(u32, Vec<u8>)>,
    /// Per stream, where its DATA is in the current gRPC message.
    streams: HashMap<u32, MessageCursor>,
}

/// Where a stream's DATA stands in gRPC's framing.
#[derive(Debug, Default)]
struct MessageCursor {
    /// The prefix bytes seen so far (a prefix may be split across frames).
    prefix: Vec<u8>,
    /// Bytes of the current message's body still to come.
    body_left: usize,
}

impl FrameReader {
    /// A reader for one direction.
    pub fn new(direction: Direction) -> Self {
        FrameReader {
            direction,
            buffer: Vec::new(),
            preface_left: match direction {
                Direction::Up => PREFACE.len(),
                Direction::Down => 0,
            },
            not_http2: false,
            hpack: hpack::Decoder::default(),
            block: None,
            streams: HashMap::new(),
        }
    }

    /// Whether the bytes turned out not to be HTTP/2 (then nothing more is
    /// decoded: a TLS connection, or gRPC-Web over HTTP/1.1).
    pub fn is_http2(&self) -> bool {
        !self.not_http2
    }

    /// Feeds bytes; returns the frames they complete, with `connection` 0
    /// (the caller knows the connection).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        if self.not_http2 {
            return Vec::new();
        }
        self.buffer.extend_from_slice(bytes);
        if !self.skip_preface() {
            return Vec::new();
        }
        let mut frames = Vec::new();
        while let Some(frame) = self.next_frame() {
            frames.push(frame);
        }
        frames
    }

    /// Checks and drops the preface; false while it is incomplete or when
    /// it is wrong (the connection is then not HTTP/2).
    fn skip_preface(&mut self) -> bool {
        if self.preface_left == 0 {
            return true;
        }
        let seen = PREFACE.len() - self.preface_left;
        let take = self.preface_left.min(self.buffer.len());
        if self.buffer[..take] != PREFACE[seen..seen + take] {
            self.not_http2 = true;
            self.buffer.clear();
            return false;
        }
        self.buffer.drain(..take);
        self.preface_left -= take;
        self.preface_left == 0
    }

    /// The next whole frame in the buffer, if there is one.
    fn next_frame(&mut self) -> Option<Frame> {
        let header: [u8; FRAME_HEADER_LEN] =
            self.buffer.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        if self.buffer.len() < FRAME_HEADER_LEN + length {
            return None;
        }
        let payload: Vec<u8> = self
            .buffer
            .drain(..FRAME_HEADER_LEN + length)
            .skip(FRAME_HEADER_LEN)
            .collect();
        let (kind, flags) = (header[3], header[4]);
        // The top bit of the stream id is reserved: ignored.
        let stream = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
        let mut frame = Frame {
            connection: 0,
            direction: self.direction,
            stream,
            kind: kind_name(kind),
            flags: flag_names(kind, flags),
            length,
            fields: Vec::new(),
            messages: Vec::new(),
        };
        self.read_payload(&mut frame, kind, flags, &payload);
        Some(frame)
    }

    /// Fills `frame`'s fields (or messages) from its payload.
    fn read_payload(&mut self, frame: &mut Frame, kind: u8, flags: u8, payload: &[u8]) {
        let stream = frame.stream;
        match kind {
            DATA => {
                let body = unpadded(flags, payload, 0);
                frame.messages = self.streams.entry(stream).or_default().read(body);
                if flags & END_STREAM != 0 {
                    self.streams.remove(&stream);
                }
            }
            HEADERS | PUSH_PROMISE | CONTINUATION => {
                // Bytes before the header block: HEADERS' priority (5),
                // PUSH_PROMISE's promised stream (4).
                let skip = match kind {
                    HEADERS if flags & PRIORITY_FLAG != 0 => 5,
                    PUSH_PROMISE => 4,
                    _ => 0,
                };
                let fragment = if kind == CONTINUATION {
                    payload
                } else {
                    unpadded(flags, payload, skip)
                };
                let mut block = match self.block.take() {
                    Some((_, block)) if kind == CONTINUATION => block,
                    _ => Vec::new(),
                };
                block.extend_from_slice(fragment);
                if flags & END_HEADERS == 0 {
                    self.block = Some((stream, block));
                    return;
                }
                frame.fields = match self.hpack.decode(&block) {
                    Ok(fields) => fields,
                    Err(error) => vec![("hpack-error".to_owned(), error.to_string())],
                };
            }
            RST_STREAM => frame.fields = vec![("error".to_owned(), error_name(be32(payload, 0)))],
            SETTINGS => {
                frame.fields = payload
                    .chunks_exact(6)
                    .map(|pair| {
                        let id = u16::from_be_bytes([pair[0], pair[1]]);
                        (setting_name(id), be32(pair, 2).to_string())
                    })
                    .collect();
            }
            PING => {
                let opaque: String = payload.iter().map(|byte| format!("{byte:02x}")).collect();
                frame.fields = vec![("opaque".to_owned(), opaque)];
            }
            GOAWAY => {
                frame.fields = vec![
                    (
                        "last-stream".to_owned(),
                        (be32(payload, 0) & 0x7fff_ffff).to_string(),
                    ),
                    ("error".to_owned(), error_name(be32(payload, 4))),
                ];
                if let Some(debug) = payload.get(8..).filter(|debug| !debug.is_empty()) {
                    frame.fields.push((
                        "debug".to_owned(),
                        String::from_utf8_lossy(debug).into_owned(),
                    ));
                }
            }
            WINDOW_UPDATE => {
                frame.fields = vec![(
                    "increment".to_owned(),
                    (be32(payload, 0) & 0x7fff_ffff).to_string(),
                )];
            }
            _ => {}
        }
    }
}

impl MessageCursor {
    /// Walks a DATA frame's body through gRPC's framing: finishes the
    /// message in progress, then reads each prefix and skips its body.
    /// Returns the messages whose prefix completed here.
    fn read(&mut self, mut body: &[u8]) -> Vec<GrpcMessage> {
        let mut started = Vec::new();
        while !body.is_empty() {
            if self.body_left > 0 {
                let take = self.body_left.min(body.len());
                self.body_left -= take;
                body = &body[take..];
                continue;
            }
            let take = (GRPC_PREFIX_LEN - self.prefix.len()).min(body.len());
            self.prefix.extend_from_slice(&body[..take]);
            body = &body[take..];
            if self.prefix.len() == GRPC_PREFIX_LEN {
                let length = be32(&self.prefix, 1);
                started.push(GrpcMessage {
                    compressed: self.prefix[0] != 0,
                    length,
                });
                self.body_left = length as usize;
                self.prefix.clear();
            }
        }
        started
    }
}

/// An [`Observer`] that decodes the frames of every connection and hands
/// each to `sink`, and passes the proxy's events on to `inner`.
pub struct Frames<O, S> {
    /// Who hears the events (the program's `Print`).
    inner: O,
    /// Who gets the frames.
    sink: S,
    /// A reader per connection and direction. A `std` mutex: decoding is
    /// short and never awaits.
    readers: Mutex<HashMap<(u64, Direction), FrameReader>>,
}

impl<O, S> Frames<O, S> {
    /// Decodes frames into `sink`, passing events to `inner`.
    pub fn new(inner: O, sink: S) -> Self {
        Frames {
            inner,
            sink,
            readers: Mutex::new(HashMap::new()),
        }
    }
}

impl<O: Observer, S: Fn(Frame) + Send + Sync + 'static> Observer for Frames<O, S> {
    fn event(&self, event: &Event) {
        if let Event::Closed { connection, .. } = event {
            let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
            readers.retain(|(number, _), _| number != connection);
        }
        self.inner.event(event);
    }

    fn chunk(&self, chunk: &Chunk) {
        let frames = {
            let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
            readers
                .entry((chunk.connection, chunk.direction))
                .or_insert_with(|| FrameReader::new(chunk.direction))
                .push(&chunk.bytes)
        };
        // The sink is called outside the lock: it may take its time.
        for mut frame in frames {
            frame.connection = chunk.connection;
            (self.sink)(frame);
        }
    }
}

// Frame types (RFC 9113 §6).
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PUSH_PROMISE: u8 = 0x5;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const WINDOW_UPDATE: u8 = 0x8;
const CONTINUATION: u8 = 0x9;

// Flags, whose meaning depends on the type.
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY_FLAG: u8 = 0x20;

/// A type's name.
fn kind_name(kind: u8) -> &'static str {
    match kind {
        DATA => "DATA",
        HEADERS => "HEADERS",
        0x2 => "PRIORITY",
        RST_STREAM => "RST_STREAM",
        SETTINGS => "SETTINGS",
        PUSH_PROMISE => "PUSH_PROMISE",
        PING => "PING",
        GOAWAY => "GOAWAY",
        WINDOW_UPDATE => "WINDOW_UPDATE",
        CONTINUATION => "CONTINUATION",
        _ => "UNKNOWN",
    }
}

/// The names of the flags set, for this type.
fn flag_names(kind: u8, flags: u8) -> Vec<&'static str> {
    let known: &[(u8, &str)] = match kind {
        DATA => &[(END_STREAM, "END_STREAM"), (PADDED, "PADDED")],
        HEADERS => &[
            (END_STREAM, "END_STREAM"),
            (END_HEADERS, "END_HEADERS"),
            (PADDED, "PADDED"),
            (PRIORITY_FLAG, "PRIORITY"),
        ],
        PUSH_PROMISE => &[(END_HEADERS, "END_HEADERS"), (PADDED, "PADDED")],
        CONTINUATION => &[(END_HEADERS, "END_HEADERS")],
        SETTINGS | PING => &[(ACK, "ACK")],
        _ => &[],
    };
    known
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// The payload without its padding (a pad-length byte first, that many
/// zeros last) and without the `skip` bytes after the pad length.
fn unpadded(flags: u8, payload: &[u8], skip: usize) -> &[u8] {
    let (payload, pad) = match payload.split_first() {
        Some((&pad, rest)) if flags & PADDED != 0 => (rest, usize::from(pad)),
        _ => (payload, 0),
    };
    payload
        .get(skip..payload.len().saturating_sub(pad))
        .unwrap_or_default()
}

/// A big-endian u32 at `at`, or 0 if the payload is too short.
fn be32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|four| four.try_into().ok())
        .map_or(0, u32::from_be_bytes)
}

/// A setting's name (RFC 9113 §6.5.2, RFC 8441).
fn setting_name(id: u16) -> String {
    let name = match id {
        1 => "HEADER_TABLE_SIZE",
        2 => "ENABLE_PUSH",
        3 => "MAX_CONCURRENT_STREAMS",
        4 => "INITIAL_WINDOW_SIZE",
        5 => "MAX_FRAME_SIZE",
        6 => "MAX_HEADER_LIST_SIZE",
        8 => "ENABLE_CONNECT_PROTOCOL",
        _ => return format!("SETTING_{id:#x}"),
    };
    name.to_owned()
}

/// An error code's name (RFC 9113 §7).
fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    NAMES
        .get(code as usize)
        .map_or_else(|| format!("{code:#x}"), |name| (*name).to_owned())
}
