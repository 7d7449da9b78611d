//! Exercise 3: the countdown streams, paces, does not block, and stops for
//! a departed client, even in the middle of a long wait.
//!
//! Likely mistakes, each named: counting to 0 or upwards; no wait, a wait
//! before the first tick or after the last; the ticks sent by the handler
//! itself before it returns; `std::thread::sleep` (blocking); going on
//! after the client left; sleeping out a long interval instead of
//! `select!`ing on `tx.closed()`, as the hint says.

use std::time::{Duration, Instant};

use tonic::{service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{expect_eq, expect_overlap, failed, two_at_once, within};
use crate::{
    e03_countdown::CountdownService,
    harness::{self, Report, TestServer},
    pb::{
        CountdownRequest,
        countdown_client::CountdownClient,
        countdown_server::{Countdown, CountdownServer},
    },
};

/// How soon after the call the first tick must come, and the stream end
/// after the last: "at once", with room for a busy machine.
const AT_ONCE: Duration = Duration::from_millis(150);

/// The interval of the countdown left in the middle of a wait: long enough
/// that a task which only notices at its next `send` is still waiting.
const LONG_INTERVAL_MS: u32 = 60_000;

/// How long the server's task may take to stop once its client has left.
const STOP_LIMIT: Duration = Duration::from_secs(1);

pub async fn check(report: Report) -> Result<(), String> {
    check_service(report, CountdownService).await
}

/// The check, for any implementation of the service: yours, or the tests'
/// deliberate mistakes.
async fn check_service<S: Countdown>(report: Report, service: S) -> Result<(), String> {
    let server = harness::serve(Routes::new(CountdownServer::new(service))).await?;
    let client = CountdownClient::new(harness::channel(server.addr).await?);

    // 4, 3, 2, 1, paced.
    let run = listen(&client, 4, 50).await?;
    let ticks: Vec<u32> = run.ticks.iter().map(|(remaining, _)| *remaining).collect();
    let shown = format!("{ticks:?}");
    if ticks.last() == Some(&0) {
        return Err(t::E03_TO_ZERO.with(&[("ticks", &shown)]));
    }
    if ticks == [1, 2, 3, 4] {
        return Err(t::E03_COUNTS_UP.with(&[("ticks", &shown)]));
    }
    expect_eq(&t::E03_TICKS.to_string(), vec![4, 3, 2, 1], ticks)?;
    let took = run.ended.as_millis();
    if run.ended < Duration::from_millis(150) {
        return Err(t::E03_TOO_FAST.with(&[("ms", &took)]));
    }
    report.ok(t::E03_OK_TICKS.with(&[("ms", &took)]));

    // Two at once overlap: nothing blocks the server's thread. (Before the
    // rhythm, which a blocked thread upsets too, but for another reason.)
    let alone = listen(&client, 3, 150).await?.ended;
    let (one, two, together) = two_at_once(listen(&client, 3, 150), listen(&client, 3, 150)).await;
    one?;
    two?;
    expect_overlap(&t::E03_TWO_COUNTDOWNS.to_string(), alone, together)?;
    report.ok(t::E03_OK_NOT_BLOCKING.with(&[("ms", &together.as_millis())]));

    // The first tick at once, the end right after the last.
    let run = listen(&client, 2, 300).await?;
    let first = run.ticks.first().map_or(Duration::ZERO, |(_, at)| *at);
    let last = run.ticks.last().map_or(Duration::ZERO, |(_, at)| *at);
    // Late, and all together: they were sent before the stream was returned.
    if first > AT_ONCE && last - first < AT_ONCE {
        return Err(t::E03_ALL_AT_ONCE.with(&[("ms", &first.as_millis())]));
    }
    if first > AT_ONCE {
        return Err(t::E03_WAITS_BEFORE_FIRST.with(&[("ms", &first.as_millis())]));
    }
    let after_last = run.ended.saturating_sub(last);
    if after_last > AT_ONCE {
        return Err(t::E03_WAITS_AFTER_LAST.with(&[("ms", &after_last.as_millis())]));
    }
    report.ok(t::E03_OK_RHYTHM);

    // Left after two ticks: the server's task must stop.
    leave_after_ticks(&server, &client, 1000, 20, 2, t::E03_RUNS_ON.to_string()).await?;
    report.ok(t::E03_OK_STOPS);

    // Left in the middle of a long wait: it must stop then, not after it.
    let runs_on = t::E03_SLEEPS_ON.with(&[("seconds", &(LONG_INTERVAL_MS / 1000))]);
    leave_after_ticks(&server, &client, 3, LONG_INTERVAL_MS, 1, runs_on).await?;
    report.ok(t::E03_OK_CLOSED);
    Ok(())
}

/// One countdown, heard to its end: each tick with when it came, and when
/// the stream ended, from the moment of the call.
struct Run {
    ticks: Vec<(u32, Duration)>,
    ended: Duration,
}

/// Calls countdown(from, interval_ms) and listens to the end.
async fn listen(
    client: &CountdownClient<Channel>,
    from: u32,
    interval_ms: u32,
) -> Result<Run, String> {
    let what = format!("countdown(from: {from}, interval_ms: {interval_ms})");
    let started = Instant::now();
    let mut client = client.clone();
    let request = CountdownRequest { from, interval_ms };
    let mut stream = within(client.countdown(request), || {
        t::E03_NO_STREAM.with(&[("what", &what)])
    })
    .await?
    .map_err(|status| failed(&what, &status))?
    .into_inner();
    let mut ticks = Vec::new();
    loop {
        let heard: Vec<u32> = ticks.iter().map(|(remaining, _)| *remaining).collect();
        let next = within(stream.message(), || {
            if heard.len() >= from as usize {
                t::E03_NO_END.with(&[("what", &what), ("ticks", &format!("{heard:?}"))])
            } else {
                t::E03_NO_TICK.with(&[("what", &what), ("ticks", &format!("{heard:?}"))])
            }
        })
        .await?
        .map_err(|status| failed(&what, &status))?;
        let Some(tick) = next else { break };
        ticks.push((tick.remaining, started.elapsed()));
        // A countdown that never ends is found by the check on the values.
        if ticks.len() > from as usize + 1 {
            break;
        }
    }
    Ok(Run {
        ticks,
        ended: started.elapsed(),
    })
}

/// Calls countdown(from, interval_ms), leaves after `ticks` ticks, and
/// waits for the server's tasks to be as many as before: else `runs_on`.
async fn leave_after_ticks(
    server: &TestServer,
    client: &CountdownClient<Channel>,
    from: u32,
    interval_ms: u32,
    ticks: usize,
    runs_on: String,
) -> Result<(), String> {
    let what = format!("countdown(from: {from}, interval_ms: {interval_ms})");
    let before = server.live_tasks();
    let mut client = client.clone();
    let request = CountdownRequest { from, interval_ms };
    let mut stream = within(client.countdown(request), || {
        t::E03_NO_STREAM.with(&[("what", &what)])
    })
    .await?
    .map_err(|status| failed(&what, &status))?
    .into_inner();
    for _ in 0..ticks {
        within(stream.message(), || {
            t::E03_NO_TICK.with(&[("what", &what), ("ticks", &"[]")])
        })
        .await?
        .map_err(|status| failed(&what, &status))?;
    }
    drop(stream);
    let stopped = tokio::time::timeout(STOP_LIMIT, async {
        while server.live_tasks() > before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    stopped.map_err(|_| runs_on)
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use std::time::Duration;

    use tokio::sync::mpsc;
    use tokio_stream::wrappers::ReceiverStream;
    use tonic::{Request, Response, Status, codegen::BoxStream};

    use super::*;
    use crate::checks::{not_yet, verdict};

    /// How a mistaken countdown waits, and where.
    #[derive(Clone, Copy)]
    enum Mistake {
        /// `std::thread::sleep` between ticks.
        Blocking,
        /// A tokio sleep after every tick, the last included.
        SleepsAfterLast,
        /// Stops only when `send` fails, never watching `tx.closed()`.
        NoSelectOnClosed,
    }

    struct Mistaken(Mistake);

    #[tonic::async_trait]
    impl Countdown for Mistaken {
        async fn countdown(
            &self,
            request: Request<CountdownRequest>,
        ) -> Result<Response<BoxStream<crate::pb::Tick>>, Status> {
            let CountdownRequest { from, interval_ms } = request.into_inner();
            let interval = Duration::from_millis(interval_ms.into());
            let mistake = self.0;
            let (tx, rx) = mpsc::channel(4);
            tokio::spawn(async move {
                for remaining in (1..=from).rev() {
                    let first = remaining == from;
                    match mistake {
                        Mistake::Blocking if !first => std::thread::sleep(interval),
                        Mistake::NoSelectOnClosed if !first => tokio::time::sleep(interval).await,
                        _ => {}
                    }
                    if tx.send(Ok(crate::pb::Tick { remaining })).await.is_err() {
                        break;
                    }
                    if let Mistake::SleepsAfterLast = mistake {
                        tokio::time::sleep(interval).await;
                    }
                }
            });
            Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
        }
    }

    #[test]
    fn std_thread_sleep_is_named_as_blocking() {
        let why = not_yet(verdict(|report| {
            check_service(report, Mistaken(Mistake::Blocking))
        }));
        assert!(why.contains("blocks the server's only thread"), "{why}");
        assert!(why.contains("std::thread::sleep"), "{why}");
    }

    #[test]
    fn a_sleep_after_the_last_tick_is_named() {
        let why = not_yet(verdict(|report| {
            check_service(report, Mistaken(Mistake::SleepsAfterLast))
        }));
        assert!(why.contains("after the last tick"), "{why}");
    }

    #[test]
    fn a_task_that_sleeps_out_a_long_interval_is_told_to_select_on_closed() {
        let why = not_yet(verdict(|report| {
            check_service(report, Mistaken(Mistake::NoSelectOnClosed))
        }));
        assert!(why.contains("tx.closed()"), "{why}");
    }
}
