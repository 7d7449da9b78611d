//! Exercise 2: status codes.
//!
//! Goal: the server rejects a pid <= 0 with INVALID_ARGUMENT and a message
//! that names the pid it received; the client prints the code and message.
//!
//! A failed gRPC call carries a *status*: a code from a fixed list of 17
//! (INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, ...) and a message. The code
//! tells the caller's program what kind of failure it was, the message tells
//! the person. The same pattern: `server-streaming/src/server.rs`.
//!
//! Check: cargo run -p workshop -- check 2

use tonic::{Request, Response, Status, transport::Channel};

use crate::pb::{PidReply, PidRequest, pids_client::PidsClient, pids_server::Pids};

/// The server of exercise 2.
#[derive(Debug, Default)]
pub struct PidsService;

#[tonic::async_trait]
impl Pids for PidsService {
    /// Accepts a positive pid; refuses any other with INVALID_ARGUMENT.
    async fn check_pid(&self, request: Request<PidRequest>) -> Result<Response<PidReply>, Status> {
        let pid = request.into_inner().pid;
        // A bad request is the caller's mistake: say so with the code that
        // means exactly that, and a message that helps fix it.
        if pid <= 0 {
            return Err(Status::invalid_argument(format!(
                "pid must be a positive number, got {pid}"
            )));
        }
        Ok(Response::new(PidReply {
            message: format!("pid {pid} is valid"),
        }))
    }
}

/// Calls `check_pid` and returns the line to print: the reply's message, or
/// `error: CODE: message` for a failed call.
pub async fn check_pid(client: &mut PidsClient<Channel>, pid: i32) -> String {
    match client.check_pid(PidRequest { pid }).await {
        Ok(reply) => reply.into_inner().message,
        Err(status) => format!(
            "error: {}: {}",
            crate::code_name(status.code()),
            status.message()
        ),
    }
}
