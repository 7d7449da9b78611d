//! Exercise 7: the client's deadline, and a server that stops for it.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use tonic::service::Routes;

use super::expect_eq;
use crate::{
    e07_deadlines::{WorkerService, work_with_deadline},
    harness::{self, Report},
    pb::{worker_client::WorkerClient, worker_server::WorkerServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let service = WorkerService::default();
    let steps_done = Arc::clone(&service.steps_done);
    let addr = harness::serve(Routes::new(WorkerServer::new(service))).await?;
    let mut client = WorkerClient::new(harness::channel(addr).await?);

    let line = work_with_deadline(&mut client, 2, Duration::from_secs(2)).await;
    expect_eq("work(2 steps) within 2 s", "done: 2 steps", &line)?;
    report.ok("work(2 steps) with a deadline of 2 s: \"done: 2 steps\"");

    // 40 steps of 50 ms take 2 s; the deadline is 200 ms.
    let line = work_with_deadline(&mut client, 40, Duration::from_millis(200)).await;
    if !line.contains("DEADLINE_EXCEEDED") {
        return Err(format!(
            "work(40 steps, 2 s of work) with a deadline of 200 ms should report DEADLINE_EXCEEDED; the client's line is {line:?}"
        ));
    }
    report.ok(format!(
        "work(40 steps) with a deadline of 200 ms: {line:?}"
    ));

    // The caller gave up: the count of steps must stop growing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let then = steps_done.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let now = steps_done.load(Ordering::SeqCst);
    if now > then {
        return Err(format!(
            "the caller gave up, but the server went on working: {then} steps done, then {now} 300 ms later; make the work stop when the handler is dropped"
        ));
    }
    report.ok("the server stopped working when its caller gave up");
    Ok(())
}
