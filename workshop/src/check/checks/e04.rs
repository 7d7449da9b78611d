//! Exercise 4: a summary of a stream of numbers, including an empty one.
//!
//! Likely mistakes, each named: min and max started at 0; a mean of NaN
//! (0 / 0) or an error for the empty stream; a handler that does not stop
//! at the end of the stream, or blocks its thread while it waits; a client
//! that never half-closes (a channel's sender kept alive), so the server
//! waits for more numbers forever.

use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Status, service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{expect_eq, expect_overlap, failed, two_at_once, within};
use crate::{
    e04_stats::{StatsService, summarize},
    harness::{self, Report},
    pb::{
        Number, Summary,
        stats_client::StatsClient,
        stats_server::{Stats, StatsServer},
    },
};

/// A client's `summarize`: yours, or a test's deliberate mistake.
type Summarize =
    for<'a> fn(&'a mut StatsClient<Channel>, Vec<f64>) -> BoxFuture<'a, Result<Summary, Status>>;

/// The numbers each of the two calls at once sends, and how far apart.
const SLOW_NUMBERS: [f64; 3] = [1.0, 2.0, 3.0];
const SLOW_GAP: Duration = Duration::from_millis(150);

/// The summary the server should give, as the check computes it.
fn summary(count: u32, min: f64, max: f64, mean: f64) -> Summary {
    Summary {
        count,
        min,
        max,
        mean,
    }
}

pub async fn check(report: Report) -> Result<(), String> {
    check_with(report, StatsService, |client, values| {
        Box::pin(summarize(client, values))
    })
    .await
}

/// The check, for any server and client `summarize`.
async fn check_with<S: Stats>(
    report: Report,
    service: S,
    client_summarize: Summarize,
) -> Result<(), String> {
    let server = harness::serve(Routes::new(StatsServer::new(service))).await?;
    let mut client = StatsClient::new(harness::channel(server.addr).await?);

    let cases = [
        (vec![3.0, -1.0, 4.0, 1.5], summary(4, -1.0, 4.0, 1.875)),
        (vec![7.0], summary(1, 7.0, 7.0, 7.0)),
        (vec![-2.0, -8.0], summary(2, -8.0, -2.0, -5.0)),
        (vec![], Summary::default()),
    ];
    for (values, expected) in cases {
        let numbers = values
            .iter()
            .map(|&value| Number { value })
            .collect::<Vec<_>>();
        let what = format!("summarize({values:?})");
        let answer = within(client.summarize(tokio_stream::iter(numbers)), || {
            t::E04_SERVER_NO_REPLY.with(&[("what", &what)])
        })
        .await?;
        let received = match answer {
            Ok(reply) => reply.into_inner(),
            Err(status) if values.is_empty() => {
                return Err(
                    t::E04_EMPTY_IS_ERROR.with(&[("status", &harness::status_line(&status))])
                );
            }
            Err(status) => return Err(failed(&what, &status)),
        };
        explain_summary(&what, &expected, &received)?;
        report.ok(t::E04_OK_CASE.with(&[("what", &what), ("summary", &format!("{received:?}"))]));
    }

    // Two calls at once, each streaming slowly: their handlers wait for
    // numbers at the same time, and must not block each other meanwhile.
    let what = t::E04_TWO_SUMMARIES.with(&[("gap", &SLOW_GAP.as_millis())]);
    let started = std::time::Instant::now();
    within(slowly(&client), || {
        t::E04_TWO_STUCK.with(&[("what", &what)])
    })
    .await?
    .map_err(|status| failed(&what, &status))?;
    let alone = started.elapsed();
    let (one, two, together) = two_at_once(
        within(slowly(&client), || {
            t::E04_TWO_STUCK.with(&[("what", &what)])
        }),
        within(slowly(&client), || {
            t::E04_TWO_STUCK.with(&[("what", &what)])
        }),
    )
    .await;
    for answer in [one?, two?] {
        let received = answer.map_err(|status| failed(&what, &status))?;
        expect_eq(&what, summary(3, 1.0, 3.0, 2.0), received)?;
    }
    expect_overlap(&what, alone, together)?;
    report.ok(t::E04_OK_TWO_AT_ONCE.with(&[("ms", &together.as_millis())]));

    let received = within(client_summarize(&mut client, vec![10.0, 20.0]), || {
        t::E04_CLIENT_NO_HALF_CLOSE.to_string()
    })
    .await?
    .map_err(|status| failed("summarize(&mut client, vec![10.0, 20.0])", &status))?;
    expect_eq(
        &t::E04_CLIENT_SUMMARY.to_string(),
        summary(2, 10.0, 20.0, 15.0),
        received,
    )?;
    report.ok(t::E04_OK_CLIENT);
    Ok(())
}

/// `Ok` if `received` is `expected`; else the likeliest cause, or both.
fn explain_summary(what: &str, expected: &Summary, received: &Summary) -> Result<(), String> {
    if received.mean.is_nan() {
        return Err(t::E04_NAN_MEAN.with(&[("what", &what)]));
    }
    let started_at_zero = (received.min == 0.0 && expected.min != 0.0)
        || (received.max == 0.0 && expected.max != 0.0);
    if started_at_zero && received.count == expected.count {
        let received = format!("{received:?}");
        return Err(t::E04_STARTED_AT_ZERO.with(&[("what", &what), ("received", &received)]));
    }
    expect_eq(what, expected, received)
}

/// Calls summarize with [`SLOW_NUMBERS`], [`SLOW_GAP`] apart, from a task
/// that then drops its sender: the half-close.
async fn slowly(client: &StatsClient<Channel>) -> Result<Summary, Status> {
    let (numbers, stream) = mpsc::channel(SLOW_NUMBERS.len());
    tokio::spawn(async move {
        for (index, value) in SLOW_NUMBERS.into_iter().enumerate() {
            if index > 0 {
                tokio::time::sleep(SLOW_GAP).await;
            }
            if numbers.send(Number { value }).await.is_err() {
                break;
            }
        }
    });
    let mut client = client.clone();
    Ok(client
        .summarize(ReceiverStream::new(stream))
        .await?
        .into_inner())
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use tonic::{Request, Response, Streaming};

    use super::*;
    use crate::checks::{not_yet, verdict};

    /// A server with one of two mistakes: min and max started at 0, or a
    /// blocking sleep for each number (as if its work were slow).
    struct Mistaken {
        starts_at_zero: bool,
        blocks: bool,
    }

    #[tonic::async_trait]
    impl Stats for Mistaken {
        async fn summarize(
            &self,
            request: Request<Streaming<Number>>,
        ) -> Result<Response<Summary>, Status> {
            let mut numbers = request.into_inner();
            let mut values = Vec::new();
            while let Some(Number { value }) = numbers.message().await? {
                if self.blocks {
                    std::thread::sleep(SLOW_GAP);
                }
                values.push(value);
            }
            let mut summary = Summary::default();
            if let Some(&first) = values.first() {
                let start = if self.starts_at_zero { 0.0 } else { first };
                summary.min = values.iter().copied().fold(start, f64::min);
                summary.max = values.iter().copied().fold(start, f64::max);
                summary.count = u32::try_from(values.len()).unwrap();
                summary.mean = values.iter().sum::<f64>() / f64::from(summary.count);
            }
            Ok(Response::new(summary))
        }
    }

    const RIGHT: Mistaken = Mistaken {
        starts_at_zero: false,
        blocks: false,
    };

    /// The client mistake: numbers sent through a channel whose sender is
    /// kept alive, so the request stream never ends.
    fn never_half_closes(
        client: &mut StatsClient<Channel>,
        values: Vec<f64>,
    ) -> BoxFuture<'_, Result<Summary, Status>> {
        Box::pin(async move {
            let (sender, stream) = mpsc::channel(values.len().max(1));
            for value in values {
                let _ = sender.send(Number { value }).await;
            }
            let reply = client.summarize(ReceiverStream::new(stream)).await;
            drop(sender);
            Ok(reply?.into_inner())
        })
    }

    fn right_client(
        client: &mut StatsClient<Channel>,
        values: Vec<f64>,
    ) -> BoxFuture<'_, Result<Summary, Status>> {
        Box::pin(summarize_right(client, values))
    }

    async fn summarize_right(
        client: &mut StatsClient<Channel>,
        values: Vec<f64>,
    ) -> Result<Summary, Status> {
        let numbers = tokio_stream::iter(values.into_iter().map(|value| Number { value }));
        Ok(client.summarize(numbers).await?.into_inner())
    }

    #[test]
    fn min_and_max_started_at_zero_are_named() {
        let why = not_yet(verdict(|report| {
            check_with(
                report,
                Mistaken {
                    starts_at_zero: true,
                    blocks: false,
                },
                right_client,
            )
        }));
        assert!(
            why.contains("start min and max from the first number"),
            "{why}"
        );
    }

    #[test]
    fn a_handler_that_blocks_while_it_waits_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(
                report,
                Mistaken {
                    starts_at_zero: false,
                    blocks: true,
                },
                right_client,
            )
        }));
        assert!(why.contains("blocks the server's only thread"), "{why}");
    }

    #[test]
    fn a_client_that_never_half_closes_is_told_to_drop_the_sender() {
        let why = not_yet(verdict(|report| {
            check_with(report, RIGHT, never_half_closes)
        }));
        assert!(why.contains("drop the sender"), "{why}");
        assert!(why.contains("summarize"), "{why}");
    }
}
