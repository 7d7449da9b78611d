//! Exercise 6: calls at once come back fastest first.

use std::time::Instant;

use tonic::service::Routes;

use super::{expect_eq, failed};
use crate::{
    e06_futures::{SlowService, all_at_once, one_after_another},
    harness::{self, Report},
    pb::{EchoRequest, slow_client::SlowClient, slow_server::SlowServer},
};

/// The three calls: the slowest first.
fn requests() -> Vec<EchoRequest> {
    [("slow", 300), ("medium", 150), ("fast", 10)]
        .into_iter()
        .map(|(text, delay_ms)| EchoRequest {
            text: text.to_owned(),
            delay_ms,
        })
        .collect()
}

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(SlowServer::new(SlowService))).await?;
    let mut client = SlowClient::new(harness::channel(addr).await?);

    let started = Instant::now();
    let replies = all_at_once(&client, requests())
        .await
        .map_err(|status| failed("all_at_once", &status))?;
    let at_once = started.elapsed();
    if replies == ["slow", "medium", "fast"] {
        return Err(
            "all_at_once returned the replies in the order sent, not in the order they completed: start every call, then collect each as soon as it is ready (futures::stream::FuturesUnordered does that)"
                .to_owned(),
        );
    }
    expect_eq(
        "the replies of all_at_once, fastest first",
        vec!["fast", "medium", "slow"],
        replies.iter().map(String::as_str).collect(),
    )?;

    let started = Instant::now();
    let replies = one_after_another(&mut client, requests())
        .await
        .map_err(|status| failed("one_after_another", &status))?;
    let sequential = started.elapsed();
    expect_eq(
        "the replies of one_after_another",
        vec!["slow", "medium", "fast"],
        replies.iter().map(String::as_str).collect(),
    )?;
    report.ok(format!(
        "all at once: fast, medium, slow in {} ms; one after another: {} ms",
        at_once.as_millis(),
        sequential.as_millis()
    ));
    Ok(())
}
