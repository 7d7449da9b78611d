//! The errors client: calls `say_hello` and shows what a failure carries.
//!
//! The details come with the failed call's `Status`: tonic's client reads
//! the `grpc-status-details-bin` trailer along with `grpc-status`, and
//! `tonic_types::StatusExt` gives it typed (`status.get_details_retry_info()`,
//! `status.get_error_details()`...). A program acts on them; this one
//! prints each ([`crate::details`]) and, with `--retry-on-quota`, does what
//! `RetryInfo` asks: waits, then tries once more.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{Code, Request, Status, metadata::AsciiMetadataValue};
use tonic_types::StatusExt;

use crate::{TOPIC, details};

/// The longest wait a `RetryInfo` may ask of us: a server's say-so is no
/// reason for a client to hang for an hour.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Flags of the errors client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Calls say_hello on an errors server and prints the details of any failure")]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Ask for the server's LocalizedMessage in this language (sent as `accept-language`, e.g. pt-BR) [default: pt-BR under a Portuguese locale, else the server's, en-US]
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,

    /// Make N say_hello calls in a row, to meet a server's --max-calls-per-second
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub calls: u32,

    /// When refused with RESOURCE_EXHAUSTED and RetryInfo, wait the delay it gives and try once more
    #[arg(long)]
    pub retry_on_quota: bool,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ClientArgs::default(),
            lang: None,
            calls: 1,
            retry_on_quota: false,
        }
    }
}

/// What every call sends: the pid, the deadline, and the language asked for.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// `--pid`, or this process's id.
    pub pid: i32,
    /// `--timeout-ms`, for each try.
    pub timeout: Option<Duration>,
    /// `--lang`, ready to be sent as metadata.
    pub lang: Option<AsciiMetadataValue>,
}

impl Ask {
    /// What `args` ask for; fails if `--lang` cannot be sent as metadata.
    pub fn from_args(args: &Args) -> Result<Ask, ClientError> {
        let bad_lang = || {
            ClientError::Flag(
                "--lang must be a language tag such as pt-BR or en-US (plain ASCII)".to_owned(),
            )
        };
        let lang = match args.lang.as_deref() {
            // Not asked for: the student's own language setting (the
            // locale), as a browser sends its user's; English is the
            // server's default anyway.
            None if lang::lang() == lang::Lang::Pt => {
                Some(AsciiMetadataValue::from_static("pt-BR"))
            }
            None => None,
            // HTTP lets a header carry other bytes ("obs-text"), but a
            // language tag is ASCII, and the server reads only ASCII.
            Some(lang) if !lang.is_ascii() => return Err(bad_lang()),
            Some(lang) => Some(AsciiMetadataValue::try_from(lang).map_err(|_| bad_lang())?),
        };
        Ok(Ask {
            pid: args.common.pid(),
            timeout: args.common.timeout(),
            lang,
        })
    }
}

/// The channel and the stub, as the unary lesson makes them.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Runs the client as the `client` binary does: `--calls` calls, each
/// reply printed; a failure's details printed before the error is returned.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let ask = Ask::from_args(args)?;
    let mut stub = connect(&args.common).await?;
    for _ in 0..args.calls {
        let reply = say_hello_retrying(&mut stub, &ask, args.retry_on_quota, |event| {
            for line in lines(&event, args.retry_on_quota) {
                println!("{line}");
            }
        })
        .await?;
        println!("GRPC client received: {reply}");
    }
    Ok(())
}

/// What happens on the way to a reply, besides the reply.
#[derive(Debug)]
pub enum Event<'a> {
    /// A try failed with this status (and its details, if any).
    Failed(&'a Status),
    /// With `--retry-on-quota`: waiting this long, as `RetryInfo` asks,
    /// before the one more try.
    Waiting(Duration),
}

/// The lines the client prints for `event`: a failure's details (see
/// [`details::describe`]), and what `RetryInfo` lets it do.
pub fn lines(event: &Event<'_>, retry_on_quota: bool) -> Vec<String> {
    match event {
        Event::Failed(status) => {
            let mut lines = details::describe(status);
            if retry_delay(status).is_some() && !retry_on_quota {
                lines
                    .push("(pass --retry-on-quota to wait that long and try once more)".to_owned());
            }
            lines
        }
        Event::Waiting(delay) => vec![format!(
            "waiting {} ms, as RetryInfo asks, then trying once more",
            delay.as_micros().div_ceil(1000)
        )],
    }
}

/// Calls `say_hello` once, asking for `ask.lang`, and returns the reply's text.
pub async fn say_hello(stub: &mut Stub, ask: &Ask) -> Result<String, Status> {
    let mut request = Request::new(HelloRequest { pid: ask.pid });
    if let Some(timeout) = ask.timeout {
        request.set_timeout(timeout);
    }
    // Metadata is the call's headers: `accept-language` goes beside
    // `grpc-timeout` and the token, not in the message.
    if let Some(lang) = &ask.lang {
        request
            .metadata_mut()
            .insert("accept-language", lang.clone());
    }
    let response = (stub.say_hello(request).await).map_err(client::deadline_named)?;
    Ok(response.into_inner().retval)
}

/// Calls `say_hello`, telling `on_event` of each failure. With
/// `retry_on_quota`, a RESOURCE_EXHAUSTED whose `RetryInfo` gives a delay
/// (of at most [`MAX_RETRY_WAIT`]) is tried once more after that delay.
pub async fn say_hello_retrying(
    stub: &mut Stub,
    ask: &Ask,
    retry_on_quota: bool,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<String, Status> {
    let status = match say_hello(stub, ask).await {
        Ok(reply) => return Ok(reply),
        Err(status) => status,
    };
    on_event(Event::Failed(&status));
    let delay = match retry_delay(&status) {
        Some(delay) if retry_on_quota => delay,
        _ => return Err(status),
    };
    on_event(Event::Waiting(delay));
    // `tokio::time::sleep`, not `std::thread::sleep`: the thread is free
    // for other tasks while we wait.
    tokio::time::sleep(delay).await;
    say_hello(stub, ask)
        .await
        .inspect_err(|status| on_event(Event::Failed(status)))
}

/// The delay a RESOURCE_EXHAUSTED status's `RetryInfo` asks for, if it
/// gives one we are willing to wait.
fn retry_delay(status: &Status) -> Option<Duration> {
    if status.code() != Code::ResourceExhausted {
        return None;
    }
    status
        .get_details_retry_info()?
        .retry_delay
        .filter(|delay| *delay <= MAX_RETRY_WAIT)
}

#[cfg(test)]
mod tests {
    use tonic_types::ErrorDetails;

    use super::*;

    /// A status with `code` whose RetryInfo asks for `delay`.
    fn asking(code: Code, delay: Duration) -> Status {
        Status::with_error_details(code, "", ErrorDetails::with_retry_info(Some(delay)))
    }

    #[test]
    fn only_a_quota_failure_asking_at_most_ten_seconds_is_waited_for() {
        let half_a_second = Duration::from_millis(500);
        assert_eq!(
            retry_delay(&asking(Code::ResourceExhausted, half_a_second)),
            Some(half_a_second)
        );
        assert_eq!(
            retry_delay(&asking(Code::ResourceExhausted, MAX_RETRY_WAIT)),
            Some(MAX_RETRY_WAIT)
        );
        let too_long = MAX_RETRY_WAIT + Duration::from_millis(1);
        assert_eq!(
            retry_delay(&asking(Code::ResourceExhausted, too_long)),
            None
        );
        assert_eq!(retry_delay(&asking(Code::Unavailable, half_a_second)), None);
        assert_eq!(retry_delay(&Status::resource_exhausted("no details")), None);
    }
}
