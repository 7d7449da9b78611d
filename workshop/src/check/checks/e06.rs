//! Exercise 6: calls at once come back fastest first.
//!
//! Likely mistakes, each named: each call awaited in turn (no overlap);
//! `join_all` (overlap, but the replies in the order sent); and, though the
//! server is given, a blocking sleep put in it, which would make any client
//! look sequential.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tonic::{Status, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, expect_overlap, failed, two_at_once, within};
use crate::{
    e06_futures::{SlowService, all_at_once, one_after_another},
    harness::{self, Report},
    pb::{
        EchoRequest,
        slow_client::SlowClient,
        slow_server::{Slow, SlowServer},
    },
};

/// A client's `all_at_once`: yours, or a test's deliberate mistake.
type AllAtOnce = for<'a> fn(
    &'a SlowClient<tonic::transport::Channel>,
    Vec<EchoRequest>,
) -> BoxFuture<'a, Result<Vec<String>, Status>>;

/// The three calls, the slowest first, and their delays.
const CALLS: [(&str, u32); 3] = [("slow", 300), ("medium", 150), ("fast", 10)];

/// The delay of each of the two calls that test the server.
const PROBE_MS: u32 = 200;

fn requests() -> Vec<EchoRequest> {
    CALLS
        .into_iter()
        .map(|(text, delay_ms)| EchoRequest {
            text: text.to_owned(),
            delay_ms,
        })
        .collect()
}

pub async fn check(report: Report) -> Result<(), String> {
    check_with(report, SlowService, |client, requests| {
        Box::pin(all_at_once(client, requests))
    })
    .await
}

/// The check, for any server and any `all_at_once`.
async fn check_with<S: Slow>(report: Report, service: S, at_once: AllAtOnce) -> Result<(), String> {
    let server = harness::serve(Routes::new(SlowServer::new(service))).await?;
    let mut client = SlowClient::new(harness::channel(server.addr).await?);

    // The server first: if it cannot overlap two calls, no client can.
    let probe = |client: &SlowClient<_>| {
        let mut client = client.clone();
        async move {
            let request = EchoRequest {
                text: "probe".to_owned(),
                delay_ms: PROBE_MS,
            };
            client.echo_after(request).await
        }
    };
    let (one, two, together) = two_at_once(probe(&client), probe(&client)).await;
    one.and(two)
        .map_err(|status| failed("echo_after", &status))?;
    let alone = Duration::from_millis(PROBE_MS.into());
    expect_overlap(&t::E06_TWO_ECHOES.to_string(), alone, together)
        .map_err(|why| format!("{why} {}", t::E06_SERVER_IS_GIVEN))?;

    let started = Instant::now();
    let replies = within(at_once(&client, requests()), || {
        t::NO_REPLY.with(&[("what", &"all_at_once")])
    })
    .await?
    .map_err(|status| failed("all_at_once", &status))?;
    let took = started.elapsed();
    if replies == ["slow", "medium", "fast"] {
        let sum: u32 = CALLS.iter().map(|(_, delay_ms)| delay_ms).sum();
        let values: &[(&str, &dyn std::fmt::Display)] = &[("ms", &took.as_millis()), ("sum", &sum)];
        // Nine tenths of the sum: calls in turn take all of it, calls at
        // once only as long as the slowest.
        let in_turn = took.as_millis() * 10 >= u128::from(sum) * 9;
        return Err(if in_turn {
            t::E06_IN_TURN.with(values)
        } else {
            t::E06_ORDER_SENT.with(values)
        });
    }
    expect_eq(
        &t::E06_FASTEST_FIRST.to_string(),
        vec!["fast", "medium", "slow"],
        replies.iter().map(String::as_str).collect(),
    )?;

    let started = Instant::now();
    let replies = within(one_after_another(&mut client, requests()), || {
        t::NO_REPLY.with(&[("what", &"one_after_another")])
    })
    .await?
    .map_err(|status| failed("one_after_another", &status))?;
    let sequential = started.elapsed();
    expect_eq(
        &t::E06_IN_ORDER.to_string(),
        vec!["slow", "medium", "fast"],
        replies.iter().map(String::as_str).collect(),
    )?;
    report.ok(t::E06_OK.with(&[
        ("at_once", &took.as_millis()),
        ("in_turn", &sequential.as_millis()),
    ]));
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use tonic::{Request, Response, transport::Channel};

    use super::*;
    use crate::{
        checks::{not_yet, verdict},
        pb::EchoReply,
    };

    /// The given server, as the starter has it, or with a blocking sleep.
    struct Given {
        blocks: bool,
    }

    #[tonic::async_trait]
    impl Slow for Given {
        async fn echo_after(
            &self,
            request: Request<EchoRequest>,
        ) -> Result<Response<EchoReply>, Status> {
            let EchoRequest { text, delay_ms } = request.into_inner();
            let delay = Duration::from_millis(delay_ms.into());
            if self.blocks {
                std::thread::sleep(delay);
            } else {
                tokio::time::sleep(delay).await;
            }
            Ok(Response::new(EchoReply { text }))
        }
    }

    fn join_all(
        client: &SlowClient<Channel>,
        requests: Vec<EchoRequest>,
    ) -> BoxFuture<'_, Result<Vec<String>, Status>> {
        Box::pin(async move {
            let calls = requests.into_iter().map(|request| {
                let mut client = client.clone();
                async move { client.echo_after(request).await }
            });
            let replies = futures::future::join_all(calls).await;
            replies
                .into_iter()
                .map(|reply| Ok(reply?.into_inner().text))
                .collect()
        })
    }

    fn in_turn(
        client: &SlowClient<Channel>,
        requests: Vec<EchoRequest>,
    ) -> BoxFuture<'_, Result<Vec<String>, Status>> {
        Box::pin(async move {
            let mut replies = Vec::new();
            for request in requests {
                let mut client = client.clone();
                replies.push(client.echo_after(request).await?.into_inner().text);
            }
            Ok(replies)
        })
    }

    #[test]
    fn calls_awaited_in_turn_are_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, Given { blocks: false }, in_turn)
        }));
        assert!(why.contains("one after the other"), "{why}");
    }

    #[test]
    fn join_all_is_named() {
        let why = not_yet(verdict(|report| {
            check_with(report, Given { blocks: false }, join_all)
        }));
        assert!(why.contains("join_all"), "{why}");
    }

    #[test]
    fn a_blocking_server_is_named_before_the_client_is_blamed() {
        let why = not_yet(verdict(|report| {
            check_with(report, Given { blocks: true }, join_all)
        }));
        assert!(why.contains("blocks the server's only thread"), "{why}");
    }
}
