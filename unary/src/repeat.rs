//! `--repeat N --every-ms MS`: the same call again and again, each outcome
//! reported. Not a lesson of its own: a way to watch what the others do
//! when a server restarts, or when servers join and leave a registry.

use std::time::Duration;

use plumbing::{
    cli::ClientArgs,
    client::{ClientError, Context, Stub, explain},
};
use tonic::Status;

use crate::{
    PROGRAM,
    client::{Args, connect, say_hello},
};

/// Runs the client with `--repeat n`: calls `say_hello` `n` times,
/// `--every-ms` apart, printing each outcome.
///
/// A failed call is reported and the next one is made anyway: the channel
/// reconnects by itself, so once a restarted server is back, calls succeed
/// again. Fails at the end if any call failed, saying how many.
pub async fn run(args: &Args, n: u32) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let every = Duration::from_millis(args.every_ms);
    call_repeatedly(&mut stub, &args.common, n, every).await
}

/// Calls `say_hello` `n` times, `every` apart, printing each outcome; fails
/// with a summary if any call failed.
async fn call_repeatedly(
    stub: &mut Stub,
    args: &ClientArgs,
    n: u32,
    every: Duration,
) -> Result<(), ClientError> {
    let context = Context::new(PROGRAM, args);
    let mut last_succeeded = false;
    let failed = repeat_say_hello(stub, args.pid(), args.timeout(), n, every, |i, outcome| {
        last_succeeded = outcome.is_ok();
        match outcome {
            Ok(reply) => println!("call {i} of {n}: GRPC client received: {reply}"),
            Err(status) => {
                let why = explain(&ClientError::Call(status.clone()), &context);
                println!("call {i} of {n} failed: {why}");
            }
        }
    })
    .await;
    if failed == 0 {
        return Ok(());
    }
    Err(ClientError::SomeCallsFailed {
        failed,
        made: n,
        last_succeeded,
    })
}

/// Makes `n` `say_hello` calls, `every` apart, handing each outcome to
/// `report` (numbered from 1); returns how many failed.
pub async fn repeat_say_hello(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
    every: Duration,
    mut report: impl FnMut(u32, &Result<String, Status>),
) -> u32 {
    let mut failed = 0;
    for i in 1..=n {
        if i > 1 {
            tokio::time::sleep(every).await;
        }
        let outcome = say_hello(stub, pid, timeout).await;
        if outcome.is_err() {
            failed += 1;
        }
        report(i, &outcome);
    }
    failed
}
