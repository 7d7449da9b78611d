//! Exercise 3: the countdown streams, paces, and stops for a departed client.

use std::time::{Duration, Instant};

use tonic::service::Routes;

use super::{expect_eq, failed, within};
use crate::{
    e03_countdown::CountdownService,
    harness::{self, Report},
    pb::{CountdownRequest, countdown_client::CountdownClient, countdown_server::CountdownServer},
};

/// How many tasks are alive on the check's runtime: the server's included.
fn live_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(CountdownServer::new(CountdownService))).await?;
    let mut client = CountdownClient::new(harness::channel(addr).await?);

    let started = Instant::now();
    let request = CountdownRequest {
        from: 4,
        interval_ms: 50,
    };
    let mut stream = client
        .countdown(request)
        .await
        .map_err(|status| failed("countdown(from 4)", &status))?
        .into_inner();
    let mut ticks = Vec::new();
    while let Some(tick) = within("the next tick", stream.message())
        .await?
        .map_err(|status| failed("the countdown's stream", &status))?
    {
        ticks.push(tick.remaining);
        if ticks.len() > 10 {
            break;
        }
    }
    let took = started.elapsed();
    expect_eq("the ticks of countdown(from 4)", vec![4, 3, 2, 1], ticks)?;
    if took < Duration::from_millis(150) {
        return Err(format!(
            "the ticks came too fast: 4 ticks 50 ms apart take at least 150 ms, yours took {} ms; wait interval_ms between ticks",
            took.as_millis()
        ));
    }
    report.ok(format!(
        "countdown(from 4, 50 ms apart) sends 4, 3, 2, 1 in {} ms",
        took.as_millis()
    ));

    // A long countdown, left after two ticks: the server must stop.
    let before = live_tasks();
    let request = CountdownRequest {
        from: 1000,
        interval_ms: 20,
    };
    let mut stream = client
        .countdown(request)
        .await
        .map_err(|status| failed("countdown(from 1000)", &status))?
        .into_inner();
    for _ in 0..2 {
        within("a tick of countdown(from 1000)", stream.message())
            .await?
            .map_err(|status| failed("the countdown's stream", &status))?;
    }
    drop(stream);
    let stopped = tokio::time::timeout(Duration::from_secs(2), async {
        while live_tasks() > before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if stopped.is_err() {
        return Err(
            "the client left after 2 ticks, but the server's task went on counting down: stop when `send` fails (or `tx.closed()` fires)"
                .to_owned(),
        );
    }
    report.ok("when the client leaves, the server stops counting down");
    Ok(())
}
