//! Values each lesson's client plugs in, and one line for whatever went
//! wrong.
//!
//! The note's client takes three steps: open a *channel* to the server
//! (`grpc.insecure_channel('localhost:PORT')`), put a *stub* on it
//! (`hello_pb2_grpc.DoStuffStub(channel)`), and call methods on the stub.
//! Each lesson's `client.rs` takes all three itself, calling tonic:
//! `Endpoint`, `connect_lazy`, `DoStuffClient::with_interceptor`,
//! `Request::new`, `set_timeout`, the call. This module hands it values:
//!
//! - [`uri`], [`tls_config`], [`dial_settings`]: what the `Endpoint` is
//!   made from; [`follow_registry`]: a `Channel` that follows the servers
//!   registered in etcd (`--registry`);
//! - [`attach_token`]: the interceptor that puts `--token` on every call;
//! - [`deadline_named`], [`deadline_passed`]: an expired deadline by gRPC's
//!   name, DEADLINE_EXCEEDED; [`within_deadline`]: a whole call (a stream
//!   to its end) bounded by the deadline, as the streaming lessons write out;
//! - [`report`]: the end of a client: exit code 0, or one line on stderr
//!   that says what went wrong, with the status code, and what to do,
//!   the failure classified first ([`classify`]); [`speaks_tls`]: asked
//!   in TLS, whether a server does (a broken connection can mean either).

mod advice;
mod deadline;
mod dial;
mod error;
mod explain;
mod follow;
mod tls_probe;

use hello_proto::pb::do_stuff_client::DoStuffClient;
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub use advice::{Advice, classify, failed_to_connect};
pub use deadline::{deadline_named, deadline_passed, within_deadline};
pub use dial::{dial_settings, tls_config, uri};
pub use error::{ClientError, Context};
pub use explain::{explain, report};
pub use follow::follow_registry;
pub use tls_probe::speaks_tls;

use crate::{auth::AttachToken, cli::ClientArgs};

/// The stub every lesson client calls: the generated `DoStuffClient` over a
/// channel, with the interceptor that adds `--token` to each call.
pub type Stub = DoStuffClient<InterceptedService<Channel, AttachToken>>;

/// The interceptor that adds `authorization: Bearer <token>` to every call
/// when `--token` (or `HELLO_TOKEN`) is given, and nothing otherwise, for
/// `DoStuffClient::with_interceptor(channel, ..)`.
pub fn attach_token(args: &ClientArgs) -> Result<AttachToken, ClientError> {
    AttachToken::new(args.token.as_deref()).map_err(|bad| ClientError::Flag(bad.to_string()))
}
