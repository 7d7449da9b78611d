//! Why a client stopped, and the one line that tells its user what to do.
//!
//! Two kinds of failure are kept apart: a client that could not set up (a
//! bad flag, an unreadable file, a registry with no server) made no call,
//! and has no gRPC status to show; a call that failed has one, and its
//! advice follows from [`classify`].

use std::{fmt, time::Duration};

use etcd_registry::FollowError;
use tonic::Status;

use crate::{
    Kind,
    cli::{ClientArgs, StreamArgs},
    code_name,
};

/// Why a client stopped without finishing its work.
#[derive(Debug)]
pub enum ClientError {
    /// A flag's value cannot be used; nothing was sent. The message says
    /// which flag and what to write instead.
    Flag(String),
    /// A file the flags point at (the CA certificate) cannot be read;
    /// nothing was sent. The message says which and what to do.
    File(String),
    /// With `--registry`: etcd gave no server to call.
    Registry(FollowError),
    /// A call failed, with the status it ended with.
    Call(Status),
    /// `--repeat`: some calls failed, each reported as it happened.
    SomeCallsFailed {
        /// How many failed.
        failed: u32,
        /// How many were made.
        made: u32,
        /// Whether the last one succeeded (the server is back, say).
        last_succeeded: bool,
    },
}

impl From<Status> for ClientError {
    fn from(status: Status) -> Self {
        ClientError::Call(status)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Flag(message) | ClientError::File(message) => f.write_str(message),
            ClientError::Registry(error) => write!(f, "{error}"),
            ClientError::Call(status) => {
                write!(f, "{} ({})", status.message(), code_name(status.code()))
            }
            ClientError::SomeCallsFailed { failed, made, .. } => {
                write!(f, "{failed} of {made} calls failed")
            }
        }
    }
}

impl std::error::Error for ClientError {}

/// What a client was doing, to advise about its failure: which kind of
/// server it called, with which flags, and, for a stream, at what pace.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The kind of server called.
    pub kind: Kind,
    /// The client's common flags.
    pub args: &'a ClientArgs,
    /// A streaming client's `--count` and `--interval-ms`.
    pub stream: Option<&'a StreamArgs>,
}

impl<'a> Context<'a> {
    /// A client of `kind` with the flags `args`.
    pub fn new(kind: Kind, args: &'a ClientArgs) -> Self {
        Self {
            kind,
            args,
            stream: None,
        }
    }

    /// The same, for a client that streams as `stream` asks.
    pub fn streaming(self, stream: &'a StreamArgs) -> Self {
        Self {
            stream: Some(stream),
            ..self
        }
    }

    /// How long the call takes at the pace asked for, if it streams.
    pub fn pace(&self) -> Option<Duration> {
        self.stream.map(StreamArgs::pace)
    }

    /// The command that starts a server this client would reach.
    pub(super) fn start_command(&self) -> String {
        let kind = self.kind;
        let mut flags = Vec::new();
        if let Some(url) = self.args.registry() {
            // A free port: servers of the same kind may hold the default one.
            flags.push(format!("--addr 127.0.0.1:0 --registry {url}"));
        } else {
            match self.args.addr.as_slice() {
                [] => {}
                [addr] if addr == kind.default_addr() => {}
                [addr] => flags.push(format!("--addr {addr}")),
                _ => flags.push("--addr HOST:PORT (a server for each address)".to_owned()),
            }
            if self.args.mtls {
                flags.push("--mtls".to_owned());
            } else if self.args.speaks_tls() {
                flags.push("--tls".to_owned());
            }
        }
        if flags.is_empty() {
            kind.server_command()
        } else {
            format!("{} -- {}", kind.server_command(), flags.join(" "))
        }
    }
}
