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
        // TODO(2): a pid <= 0 is the caller's mistake: return an error with
        // the code INVALID_ARGUMENT and a message that names the pid received.
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
        // TODO(2): the line for a failed call: "error: CODE: message", with the
        // code as crate::code_name writes it (INVALID_ARGUMENT).
        Err(status) => todo!("describe the failed call"),
    }
}
