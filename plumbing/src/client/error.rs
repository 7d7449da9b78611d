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
    Program,
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
    /// tonic could not make the channel from the flags (an address it
    /// cannot read as a URI, say); nothing was sent.
    Channel(tonic::transport::Error),
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

impl From<tonic::transport::Error> for ClientError {
    fn from(error: tonic::transport::Error) -> Self {
        ClientError::Channel(error)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Flag(message) | ClientError::File(message) => f.write_str(message),
            ClientError::Channel(error) => write!(f, "cannot set up the channel: {error}"),
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

/// What a client was doing, to advise about its failure: which program's
/// server it called, with which flags, and, for a stream, at what pace.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The program whose server was called.
    pub program: Program,
    /// The client's common flags.
    pub args: &'a ClientArgs,
    /// A streaming client's `--count` and `--interval-ms`.
    pub stream: Option<&'a StreamArgs>,
}

impl<'a> Context<'a> {
    /// A client of `program` with the flags `args`.
    pub fn new(program: Program, args: &'a ClientArgs) -> Self {
        Self {
            program,
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
        let program = self.program;
        let mut flags = Vec::new();
        if let Some(url) = self.args.registry() {
            // A free port: servers of the same program may hold the default one.
            flags.push(format!("--addr 127.0.0.1:0 --registry {url}"));
        } else {
            match self.args.addr.as_slice() {
                [] => {}
                [addr] if addr == program.default_addr => {}
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
            program.server_command()
        } else {
            format!("{} -- {}", program.server_command(), flags.join(" "))
        }
    }
}
