//! Step 1 of a server's assembly: tonic's builder, set up as the flags ask.

use std::time::Duration;

use tonic::transport::Server;

use super::{Builder, Lifecycle, StartError};
use crate::{call_layer::CallLayer, cli::ServerArgs};

/// Sets up tonic's server `builder` as the flags ask: the limits per
/// connection and keepalive; and puts every call behind our [`CallLayer`]
/// (deadlines, callers that leave, the end of shutdown, a request over the
/// size limit). TLS is the port's, not the builder's: [`super::bind`].
pub fn configure(
    builder: Server,
    args: &ServerArgs,
    lifecycle: &Lifecycle,
) -> Result<Builder, StartError> {
    // Flags that cannot go together are refused before anything is made.
    super::listener::check_unix_flags(args)?;
    let builder = with_limits_per_connection(builder, args);
    let builder = with_keepalive(builder, args);
    // The layer also refuses a request message over `--max-message-bytes`
    // by its length, with RESOURCE_EXHAUSTED (see `call_layer`).
    // And ends health watches when the shutdown begins (see `call_layer`).
    let calls = CallLayer::new(lifecycle.cutoff.clone())
        .with_message_limit(args.max_message_bytes)
        .with_watches_ended_at(lifecycle.stop.clone());
    Ok(builder.layer(calls))
}

/// Limits that keep one client from taking the whole server, as when a
/// workshop's thirty laptops share the instructor's: at most
/// `--max-concurrent-streams` calls open per connection (HTTP/2 tells the
/// client, which queues the rest itself), and at most
/// `--max-calls-per-connection` handlers running per connection (further
/// calls wait for a free slot).
pub fn with_limits_per_connection(builder: Server, args: &ServerArgs) -> Server {
    builder
        .max_concurrent_streams(args.max_concurrent_streams)
        .concurrency_limit_per_connection(args.max_calls_per_connection)
}

/// HTTP/2 keepalive: a connection quiet for `--keepalive-ms` gets a PING,
/// and is closed if no answer comes within 10 s (or the keepalive, if
/// shorter). That is how a peer that vanished without a word (a laptop
/// closed, a cable pulled) is noticed; TCP alone may take hours.
pub fn with_keepalive(builder: Server, args: &ServerArgs) -> Server {
    const LONGEST_PING_WAIT: Duration = Duration::from_secs(10);
    let keepalive = args.keepalive();
    builder
        .http2_keepalive_interval(Some(keepalive))
        .http2_keepalive_timeout(Some(keepalive.min(LONGEST_PING_WAIT)))
}
