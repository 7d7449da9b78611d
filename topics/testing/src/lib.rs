//! # Testing gRPC code at three levels
//!
//! How the workspace's own four services are tested, from the fastest test
//! to the most faithful. Each level is one file of tests, over all four
//! kinds of call, and each ends with the test that shows what it catches
//! and the level before it misses:
//!
//! 1. `tests/level1.rs`: **the methods.** Call `UnaryService::say_hello`
//!    like any async function: no server, no bytes, no network. It checks
//!    the logic of the handlers, and nothing around them.
//! 2. `tests/level2.rs`: **in memory.** The server assembled as the lesson's
//!    `start` assembles it, served over [`in_memory`] pipes: real HTTP/2,
//!    real protobuf, the token check, the deadline, the status on the
//!    wire; still no port, and the lesson's own client code on the other
//!    end.
//! 3. `tests/level3.rs`: **a real socket.** The lesson's `start` on
//!    `127.0.0.1:0`, and its client dialling the address, as a student runs
//!    them: the bound port, the accept loop, TLS.
//!
//! Levels 1 and 2 open no port and run in well under a second: every test
//! of theirs ends by asking [`probe`] whether the process holds a TCP
//! socket, and cargo times each file.
//!
//! The library holds what the tests share, small enough to copy into your
//! own crate:
//!
//! - [`in_memory`]: serve a tonic server over `tokio::io::duplex` pipes, and
//!   a `Channel` that reaches it.
//! - [`probe`]: does this process hold a TCP socket?
//! - [`streaming`]: a `tonic::Streaming` made of messages you choose, the
//!   one thing a level-1 test of a client-streaming or bidirectional
//!   method needs and tonic does not hand you.

pub mod in_memory;
pub mod probe;
pub mod streaming;
