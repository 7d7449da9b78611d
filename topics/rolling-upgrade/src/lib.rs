//! # Rolling upgrade: how a service changes without stopping
//!
//! A service runs on several servers, and clients call it all the time. To
//! deploy a new version, nobody stops everything: new servers are started
//! beside the old ones, and the old ones are taken away one at a time,
//! each *drained* first (it stops being offered new calls, finishes those
//! it has, then stops). For a while both versions answer the same clients,
//! so the two versions' messages must be readable by each other's code:
//! protobuf's rules for changing a message say how.
//!
//! ## Layout
//!
//! - `proto/v1.proto`, `proto/v2.proto`: the two versions of the service
//!   (a field added, a field removed and `reserved`, an enum value added),
//!   compiled by `build.rs` into [`pb::v1`] and [`pb::v2`].
//! - [`server`]: a `Greeter` server of either version (`--version v1|v2`),
//!   with health and, with `--registry`, its entry in etcd.
//! - [`client`]: a client built from either proto (`--proto v1|v2`): what
//!   it reads of each version's reply, and the [`client::Tally`] of calls by
//!   the version that answered.
//! - [`relay`]: a server that passes calls on, built from v1 only: naive
//!   (it decodes and re-encodes, and loses what v1 does not know) or over
//!   bytes (it passes each message on as it came, and loses nothing).
//! - [`upgrade`]: the rolling upgrade itself, against a real etcd: v1
//!   servers replaced by v2 ones one at a time while a client calls
//!   continuously, and no call fails.
//!
//! Run `cargo run -p rolling-upgrade --bin upgrade -- --registry
//! http://127.0.0.1:2379` with etcd running; README.md has the rest.

pub mod client;
pub mod relay;
pub mod server;
pub mod upgrade;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// The `server` program (either version), for the plumbing's messages: its
/// name and port, and its service, `upgrade.Greeter` (not the note's
/// `hello.DoStuff`): the name its health status and its etcd entries are
/// under, `/upgrade/Greeter/rolling-upgrade/127.0.0.1:8915`.
pub const TOPIC: Program =
    Program::new("rolling-upgrade", "127.0.0.1:8915", &[]).with_service("upgrade.Greeter");

/// The `relay` program, which passes `upgrade.Greeter` calls on to a server.
pub const RELAY: Program = Program::new("rolling-upgrade", "127.0.0.1:8916", &[])
    .with_service("upgrade.Greeter")
    .with_server_binary("relay");

/// The code `build.rs` generates: each version of the proto in a module of
/// its own, and the relay's view of the service, over bytes.
pub mod pb {
    // Generated code: its items carry the proto's comments where the proto
    // has them, and no others, so the docs lint is relaxed here only.
    #![allow(missing_docs)]

    /// `proto/v1.proto`: `Greeting` with `signature` (4); `Mood` up to
    /// `MOOD_CALM`.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/v1/upgrade.rs"));

        /// The encoded descriptor of `v1.proto`, for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] =
            include_bytes!(concat!(env!("OUT_DIR"), "/v1/descriptor.bin"));
    }

    /// `proto/v2.proto`: `Greeting` with `language` (5) and without
    /// `signature`; `Mood` with `MOOD_EXCITED`.
    pub mod v2 {
        include!(concat!(env!("OUT_DIR"), "/v2/upgrade.rs"));

        /// The encoded descriptor of `v2.proto`, for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] =
            include_bytes!(concat!(env!("OUT_DIR"), "/v2/descriptor.bin"));
    }

    /// `upgrade.Greeter` with every message as `bytes::Bytes`: the relay's.
    pub mod raw {
        // The generated code makes its codec with `::default()`, as it
        // must for any codec; ours is a unit struct, which clippy would
        // rather see written `RawCodec`.
        #![allow(clippy::default_constructed_unit_structs)]

        include!(concat!(env!("OUT_DIR"), "/raw/upgrade.Greeter.rs"));
    }
}
