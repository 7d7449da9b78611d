//! Exercise 2: INVALID_ARGUMENT for a bad pid, on both sides.

use tonic::{Code, service::Routes};

use super::{expect_eq, failed};
use crate::{
    e02_status::{PidsService, check_pid},
    harness::{self, Report},
    pb::{PidRequest, pids_client::PidsClient, pids_server::PidsServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(PidsServer::new(PidsService))).await?;
    let mut client = PidsClient::new(harness::channel(addr).await?);

    let accepted = client
        .check_pid(PidRequest { pid: 42 })
        .await
        .map_err(|status| failed("check_pid(42)", &status))?;
    report.ok(format!(
        "check_pid(42) is accepted: {:?}",
        accepted.into_inner().message
    ));

    let mut refusal = String::new();
    for pid in [-5, 0] {
        match client.check_pid(PidRequest { pid }).await {
            Ok(reply) => {
                return Err(format!(
                    "check_pid({pid}) was accepted ({:?}): a pid <= 0 must fail with INVALID_ARGUMENT",
                    reply.into_inner().message
                ));
            }
            Err(status) if status.code() != Code::InvalidArgument => {
                return Err(format!(
                    "check_pid({pid}): expected INVALID_ARGUMENT, received {}",
                    harness::status_line(&status)
                ));
            }
            Err(status) if !status.message().contains(&pid.to_string()) => {
                return Err(format!(
                    "check_pid({pid}) gives INVALID_ARGUMENT, but its message should say which pid it received ({pid}); it says {:?}",
                    status.message()
                ));
            }
            Err(status) => refusal = status.message().to_owned(),
        }
    }
    report.ok(format!(
        "check_pid(-5) and check_pid(0) fail with INVALID_ARGUMENT: {refusal:?}"
    ));

    let line = check_pid(&mut client, -5).await;
    if !(line.contains("INVALID_ARGUMENT") && line.contains("-5")) {
        return Err(format!(
            "the client's line for pid -5 should show the code INVALID_ARGUMENT and the server's message; it is {line:?}"
        ));
    }
    report.ok(format!("the client prints {line:?}"));
    let line = check_pid(&mut client, 42).await;
    let expected = client
        .check_pid(PidRequest { pid: 42 })
        .await
        .map_err(|status| failed("check_pid(42)", &status))?
        .into_inner()
        .message;
    expect_eq(
        "the client's line for pid 42 (the reply's message)",
        expected,
        line,
    )?;
    report.ok("and for pid 42, the reply's message");
    Ok(())
}
