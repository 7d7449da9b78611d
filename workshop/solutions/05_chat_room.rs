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

        // Subscribe first: from now on this client hears every message,
        // its own included.
        let heard = self.room.subscribe();

        // What this client says goes to the room. The loop ends when the
        // client half-closes or leaves, and nobody else notices.
        let room = self.room.clone();
        tokio::spawn(async move {
            while let Ok(Some(message)) = incoming.message().await {
                // Fails only if no one is listening, which is fine.
                let _ = room.send(message);
            }
        });

        // What the room says goes to this client. A client too slow to keep
        // up misses some messages (Lagged): skip the gap and go on. When the
        // client leaves, tonic drops this stream, and its receiver with it.
        let outgoing =
            BroadcastStream::new(heard).filter_map(|message| async { message.ok().map(Ok) });
        Ok(Response::new(Box::pin(outgoing)))
    }
}
