//! Exercise 2: INVALID_ARGUMENT for a bad pid, on both sides.
//!
//! Likely mistakes, each named: `pid < 0` (zero let through); another code
//! (INTERNAL, OUT_OF_RANGE, UNKNOWN); a message without the pid; the client
//! printing tonic's `InvalidArgument` (`{:?}`) instead of the canonical
//! INVALID_ARGUMENT.

use tonic::{Code, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e02_status::{PidsService, check_pid},
    harness::{self, Report},
    pb::{PidRequest, pids_client::PidsClient, pids_server::PidsServer},
};

pub async fn check(report: Report) -> Result<(), String> {
    let server = harness::serve(Routes::new(PidsServer::new(PidsService))).await?;
    let mut client = PidsClient::new(harness::channel(server.addr).await?);
    let no_reply = |pid: i32| move || t::NO_REPLY.with(&[("what", &format!("check_pid({pid})"))]);

    let accepted = within(client.check_pid(PidRequest { pid: 42 }), no_reply(42)).await?;
    let accepted = match accepted {
        Ok(reply) => reply.into_inner().message,
        Err(status) if status.code() == Code::InvalidArgument => {
            return Err(t::E02_GOOD_PID_REFUSED.with(&[("status", &harness::status_line(&status))]));
        }
        Err(status) => return Err(failed("check_pid(42)", &status)),
    };
    report.ok(t::E02_OK_ACCEPTED.with(&[("reply", &format!("{accepted:?}"))]));

    let mut refusal = String::new();
    for pid in [-5, 0] {
        match within(client.check_pid(PidRequest { pid }), no_reply(pid)).await? {
            Ok(_) if pid == 0 => return Err(t::E02_ZERO_ACCEPTED.to_string()),
            Ok(reply) => {
                let reply = format!("{:?}", reply.into_inner().message);
                return Err(t::E02_BAD_PID_ACCEPTED.with(&[("pid", &pid), ("reply", &reply)]));
            }
            Err(status) if status.code() != Code::InvalidArgument => {
                let status = harness::status_line(&status);
                return Err(t::E02_WRONG_CODE.with(&[("pid", &pid), ("status", &status)]));
            }
            Err(status) if !status.message().contains(&pid.to_string()) => {
                let message = format!("{:?}", status.message());
                return Err(t::E02_NO_PID_IN_MESSAGE.with(&[("pid", &pid), ("message", &message)]));
            }
            Err(status) => refusal = status.message().to_owned(),
        }
    }
    report.ok(t::E02_OK_REFUSED.with(&[("message", &format!("{refusal:?}"))]));

    let line = within(check_pid(&mut client, -5), no_reply(-5)).await?;
    if line.contains("InvalidArgument") {
        return Err(t::E02_DEBUG_CODE.with(&[("line", &format!("{line:?}"))]));
    }
    if !(line.contains("INVALID_ARGUMENT") && line.contains("-5")) {
        return Err(t::E02_CLIENT_LINE.with(&[("line", &format!("{line:?}"))]));
    }
    report.ok(t::E02_OK_CLIENT_LINE.with(&[("line", &format!("{line:?}"))]));
    let line = within(check_pid(&mut client, 42), no_reply(42)).await?;
    expect_eq(&t::E02_CLIENT_42.to_string(), accepted, line)?;
    report.ok(t::E02_OK_CLIENT_42);
    Ok(())
}
