//! What the tests share: a window on the real unary server's calls (for
//! tests that must know when a call has reached the server, or what became
//! of it), and a plain channel to a server.

use std::time::Duration;

use hello_proto::{
    Kind,
    cli::ServerArgs,
    pb::{HelloReply, HelloRequest, do_stuff_server::DoStuff},
    testing::{self, TestServer},
};
use tokio::sync::mpsc;
use tonic::{Request, Response, Status, transport::Channel};

use crate::server::UnaryService;

/// What happened to a call on an [`Observed`] server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// The handler began.
    Started,
    /// The handler returned.
    Finished,
    /// The handler's future was dropped before it returned.
    Dropped,
}

/// The real `UnaryService`, with a window on its `say_hello` calls.
pub struct Observed {
    inner: UnaryService,
    events: mpsc::UnboundedSender<Event>,
}

/// Reports `Dropped` if a call's future is dropped before it finished.
struct Guard(Option<mpsc::UnboundedSender<Event>>);

impl Drop for Guard {
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
        let mut guard = Guard(Some(self.events.clone()));
        let reply = self.inner.say_hello(request).await;
        guard.0 = None;
        let _ = self.events.send(Event::Finished);
        reply
    }
}

pub async fn observed(
    delay_ms: u64,
    args: ServerArgs,
) -> (TestServer, mpsc::UnboundedReceiver<Event>) {
    let (events, seen) = mpsc::unbounded_channel();
    let inner = UnaryService {
        delay: Duration::from_millis(delay_ms),
    };
    (
        testing::start_with(Kind::Unary, Observed { inner, events }, args).await,
        seen,
    )
}

/// A plain channel to `server`, for clients other than `DoStuff`'s.
pub async fn channel(server: &TestServer) -> Channel {
    Channel::from_shared(format!("http://{}", server.addr()))
        .unwrap()
        .connect()
        .await
        .unwrap()
}
