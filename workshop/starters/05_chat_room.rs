//! Exercise 5: bidirectional streaming, a chat room.
//!
//! Goal: each message from one client reaches every connected client, and a
//! client that leaves does not disturb the others.
//!
//! Each client has one call open, with a stream each way. The room is a
//! tokio *broadcast* channel: whatever is sent to it, every receiver gets.
//! Each call subscribes (a receiver of its own) and forwards what its
//! client says into the room. The pattern of answering a stream as it
//! arrives: `bidi-streaming/src/server.rs`.
//!
//! Check: cargo run -p workshop -- check 5

use futures::StreamExt;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tonic::{Request, Response, Status, Streaming, codegen::BoxStream};

use crate::pb::{ChatMessage, chat_room_server::ChatRoom};

/// The server of exercise 5: one room shared by every call.
#[derive(Debug)]
pub struct ChatRoomService {
    /// Every message sent here reaches every subscribed receiver.
    room: broadcast::Sender<ChatMessage>,
}

impl Default for ChatRoomService {
    /// An empty room that keeps up to 64 messages for slow readers.
    fn default() -> Self {
        let (room, _) = broadcast::channel(64);
        Self { room }
    }
}

#[tonic::async_trait]
impl ChatRoom for ChatRoomService {
    /// Joins the caller to the room until it leaves.
    async fn chat(
        &self,
        request: Request<Streaming<ChatMessage>>,
    ) -> Result<Response<BoxStream<ChatMessage>>, Status> {
        let mut incoming = request.into_inner();

        // TODO(5):
        // 1. Subscribe to the room (`self.room.subscribe()`) before anything
        //    else, so this client hears every message from now on.
        // 2. Spawn a task that loops over this client's messages
        //    (`while let Ok(Some(message)) = incoming.message().await`) and
        //    sends each to the room (`room.send(message)`, on a clone of
        //    `self.room`). Not in the handler itself: that loop ends only
        //    when the client leaves, and the handler must return now.
        // 3. Reply with what the room says, as a stream:
        //    `BroadcastStream::new(receiver)`, keeping only the Ok items
        //    (`.filter_map(|message| async { message.ok().map(Ok) })`), boxed.
        todo!("join this client to the room")
    }
}
