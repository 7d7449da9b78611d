//! The errors server: `say_hello`, whose failures say more than a code.
//!
//! A handler fails by returning a `Status`. `Status::invalid_argument(msg)`
//! sends a code and a message; `tonic_types::StatusExt` adds
//! `Status::with_error_details(code, message, details)`, which also packs
//! the [`ErrorDetails`] (each a `google.rpc` message inside a
//! `google.protobuf.Any`) into a `google.rpc.Status` and sends it, base64,
//! in the trailer `grpc-status-details-bin`. The code and message still go
//! in `grpc-status` and `grpc-message` as always, so a client that knows
//! nothing of details (the note's, say) sees the same failure as before.
//!
//! Two failures carry details here, the two the gRPC guide's examples use:
//!
//! - a pid that is not positive: INVALID_ARGUMENT with a `BadRequest` (which
//!   field, and why) and a `LocalizedMessage` for the caller's user, in the
//!   language its `accept-language` metadata asks for;
//! - a call past `--max-calls-per-second`: RESOURCE_EXHAUSTED with a
//!   `RetryInfo` (when to come back) and a `QuotaFailure` (which limit).

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::{Code, Request, Response, Status, metadata::MetadataMap, transport::Server};
use tonic_types::{ErrorDetails, StatusExt};
use tracing::info;

use crate::{TOPIC, rate::RateLimit};

/// Flags of the errors server: every server's, and the rate limit.
#[derive(Parser, Debug, Clone)]
#[command(about = "A hello.DoStuff server whose say_hello fails with error details")]
pub struct Args {
    /// The flags every server has: --addr, --token, --tls...
    #[command(flatten)]
    pub common: ServerArgs,

    /// Refuse calls past N per second with RESOURCE_EXHAUSTED, RetryInfo and QuotaFailure [default: no limit]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_calls_per_second: Option<u32>,
}

/// Our `DoStuff` service: `say_hello` only, and the limit every call meets.
#[derive(Debug, Default)]
pub struct ErrorsService {
    /// `--max-calls-per-second`, if given: one limit for all callers.
    pub limit: Option<RateLimit>,
}

impl ErrorsService {
    /// A service that admits `max_calls_per_second` calls per second, or
    /// any number with `None`.
    pub fn new(max_calls_per_second: Option<u32>) -> Self {
        Self {
            limit: max_calls_per_second.map(RateLimit::per_second),
        }
    }
}

#[tonic::async_trait]
impl DoStuff for ErrorsService {
    /// "Hello, {pid}!" for a positive pid; otherwise a failure with details.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        // The limit first: a refused call must cost as little as possible.
        if let Some(limit) = &self.limit {
            limit
                .admit()
                .map_err(|wait| over_the_limit(limit.max(), wait))?;
        }
        // Metadata (headers) and message arrive together: read the
        // language before `into_inner` consumes the request.
        let locale = Locale::asked_in(request.metadata());
        let pid = request.into_inner().pid;
        if pid <= 0 {
            info!(
                "say_hello refused pid {pid} (INVALID_ARGUMENT, {})",
                locale.tag()
            );
            return Err(not_a_pid(pid, locale));
        }
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }
}

/// INVALID_ARGUMENT for a pid that is not positive. The message is for the
/// developer reading logs; `BadRequest` says which field, for a program
/// (a form would mark that field); `LocalizedMessage` is for the end user.
fn not_a_pid(pid: i32, locale: Locale) -> Status {
    let mut details = ErrorDetails::with_bad_request_violation(
        "pid",
        format!("must be greater than 0, as process ids are; got {pid}"),
    );
    details.set_localized_message(locale.tag(), locale.not_a_pid(pid));
    Status::with_error_details(
        Code::InvalidArgument,
        format!("pid must be greater than 0, got {pid}"),
        details,
    )
}

/// RESOURCE_EXHAUSTED for a call past the limit of `max` per second, whose
/// window admits calls again after `wait`. `RetryInfo` carries `wait` as a
/// `google.protobuf.Duration`, so the client need not parse the message.
fn over_the_limit(max: u32, wait: Duration) -> Status {
    let calls = if max == 1 { "call" } else { "calls" };
    let limit = format!("at most {max} {calls} per second");
    info!("say_hello refused: {limit} (RESOURCE_EXHAUSTED)");
    let mut details = ErrorDetails::with_retry_info(Some(wait));
    details.add_quota_failure_violation("calls per second", limit.clone());
    Status::with_error_details(
        Code::ResourceExhausted,
        format!(
            "{limit}; come back in {} ms",
            wait.as_micros().div_ceil(1000)
        ),
        details,
    )
}

/// The languages our `LocalizedMessage` comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// American English: the default.
    EnUs,
    /// Brazilian Portuguese, for callers that ask for `pt`.
    PtBr,
}

impl Locale {
    /// The language the call's `accept-language` metadata asks for, as an
    /// HTTP client sends it (`pt-BR,pt;q=0.9,en;q=0.8`): the first one of
    /// ours in the list (we ignore the `q` weights, which list the
    /// languages in the same order in practice), or English.
    pub fn asked_in(metadata: &MetadataMap) -> Locale {
        let asked = metadata
            .get("accept-language")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        for range in asked.split(',') {
            let tag = range.split(';').next().unwrap_or_default().trim();
            let language = tag.split('-').next().unwrap_or_default();
            if language.eq_ignore_ascii_case("pt") {
                return Locale::PtBr;
            }
            if language.eq_ignore_ascii_case("en") {
                return Locale::EnUs;
            }
        }
        Locale::EnUs
    }

    /// The BCP 47 tag `LocalizedMessage.locale` carries.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::PtBr => "pt-BR",
        }
    }

    /// What to tell a user whose pid was refused.
    fn not_a_pid(self, pid: i32) -> String {
        match self {
            Locale::EnUs => format!("The pid must be a positive number; {pid} is not."),
            Locale::PtBr => format!("O pid deve ser um número positivo; {pid} não é."),
        }
    }
}

/// Assembles and starts the server, as the unary lesson's `start` does,
/// and returns once it is listening.
pub async fn start(service: ErrorsService, args: &ServerArgs) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    // Reflection also describes the details' messages (google.rpc.BadRequest
    // and the rest, as tonic-types ships them): a tool such as grpcurl,
    // meeting a detail's type name in the trailer, asks reflection for it,
    // and can then print the detail's fields instead of its bytes.
    let router = builder
        .add_routes(
            lifecycle.health_and_reflection_describing(&[tonic_types::pb::FILE_DESCRIPTOR_SET])?,
        )
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            args,
        ));
    let listener = server::bind(TOPIC, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, TOPIC, args).await
}
