//! A `DoStuff` service that tells a test what becomes of each call.

use std::time::Duration;

use hello_proto::pb::{HelloReply, HelloRequest, do_stuff_server::DoStuff};
use plumbing::server::simulate_work;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

/// What happened to a `say_hello` call on an [`Observed`] service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The handler began.
    Started,
    /// The handler returned.
    Finished,
    /// The handler's future was dropped before it returned: its caller
    /// left, its deadline passed, or the server ended it.
    Dropped,
}

/// A unary `say_hello` ("Hello, {pid}!" after `delay`) that reports each
/// call's [`Event`]s, for tests that must know when a call has reached the
/// server, or what became of it.
#[derive(Debug)]
pub struct Observed {
    /// How long each call works before it answers.
    delay: Duration,
    /// Where the events go.
    events: mpsc::UnboundedSender<Event>,
}

impl Observed {
    /// A service whose calls take `delay`, and the receiver of their events.
    pub fn new(delay: Duration) -> (Observed, mpsc::UnboundedReceiver<Event>) {
        let (events, seen) = mpsc::unbounded_channel();
        (Observed { delay, events }, seen)
    }
}

/// Reports `Dropped` if a call's future is dropped before it finished.
struct DropGuard(Option<mpsc::UnboundedSender<Event>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(events) = self.0.take() {
            let _ = events.send(Event::Dropped);
        }
    }
}

#[tonic::async_trait]
impl DoStuff for Observed {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let _ = self.events.send(Event::Started);
        let mut guard = DropGuard(Some(self.events.clone()));
        let pid = request.into_inner().pid;
        // The unary lesson's log line, so tests can look for it.
        tracing::info!("GRPC server in say_hello, pid = {pid}");
        simulate_work(self.delay).await;
        guard.0 = None;
        let _ = self.events.send(Event::Finished);
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }
}
