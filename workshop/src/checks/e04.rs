//! Exercise 4: a summary of a stream of numbers, including an empty one.

use tonic::service::Routes;

use super::{expect_eq, failed};
use crate::{
    e04_stats::{StatsService, summarize},
    harness::{self, Report},
    pb::{Number, Summary, stats_client::StatsClient, stats_server::StatsServer},
};

/// The summary the server should give for `values`, as the check computes it.
fn summary(count: u32, min: f64, max: f64, mean: f64) -> Summary {
    Summary {
        count,
        min,
        max,
        mean,
    }
}

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(StatsServer::new(StatsService))).await?;
    let mut client = StatsClient::new(harness::channel(addr).await?);

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
        let received = client
            .summarize(tokio_stream::iter(numbers))
            .await
            .map_err(|status| {
                if values.is_empty() {
                    failed(
                        &format!("{what}: an empty stream is not an error, and"),
                        &status,
                    )
                } else {
                    failed(&what, &status)
                }
            })?
            .into_inner();
        expect_eq(&what, expected, received)?;
        report.ok(format!("{what} gives {received:?}"));
    }

    let received = summarize(&mut client, vec![10.0, 20.0])
        .await
        .map_err(|status| failed("the client's summarize", &status))?;
    expect_eq(
        "the client's summarize(vec![10.0, 20.0])",
        summary(2, 10.0, 20.0, 15.0),
        received,
    )?;
    report.ok("the client streams its numbers and gets the summary");
    Ok(())
}
