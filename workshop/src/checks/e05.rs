//! Exercise 5: three clients in one room; one leaves, two go on.

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Streaming, service::Routes, transport::Channel};

use super::{expect_eq, failed, within};
use crate::{
    e05_chat_room::ChatRoomService,
    harness::{self, Report},
    pb::{ChatMessage, chat_room_client::ChatRoomClient, chat_room_server::ChatRoomServer},
};

/// One client in the room: where it says things, and what it hears.
struct Member {
    name: &'static str,
    says: mpsc::Sender<ChatMessage>,
    hears: Streaming<ChatMessage>,
}

impl Member {
    /// Opens a chat call for `name`.
    async fn join(channel: &Channel, name: &'static str) -> Result<Member, String> {
        let (says, said) = mpsc::channel(16);
        let mut client = ChatRoomClient::new(channel.clone());
        let hears = within(
            &format!("{name} joining"),
            client.chat(ReceiverStream::new(said)),
        )
        .await?
        .map_err(|status| failed(&format!("{name}'s chat"), &status))?
        .into_inner();
        Ok(Member { name, says, hears })
    }

    /// Sends `text` to the room.
    async fn say(&self, text: &str) -> Result<ChatMessage, String> {
        let message = ChatMessage {
            from: self.name.to_owned(),
            text: text.to_owned(),
        };
        self.says
            .send(message.clone())
            .await
            .map_err(|_| format!("{}'s call ended before it could speak", self.name))?;
        Ok(message)
    }

    /// The next message this member hears must be `expected`.
    async fn hears(&mut self, expected: &ChatMessage) -> Result<(), String> {
        let what = format!(
            "{} waiting for {}'s {:?}",
            self.name, expected.from, expected.text
        );
        let heard = within(&what, self.hears.message())
            .await?
            .map_err(|status| failed(&what, &status))?
            .ok_or_else(|| format!("{what}: the server ended the call"))?;
        expect_eq(&format!("what {} hears next", self.name), expected, &heard)
    }
}

pub async fn check(report: Report) -> Result<(), String> {
    let addr = harness::serve(Routes::new(ChatRoomServer::new(ChatRoomService::default()))).await?;
    let channel = harness::channel(addr).await?;

    // Each joins, then speaks: once a member hears its own message, it is
    // surely in the room, and so hears every later message.
    let mut ana = Member::join(&channel, "ana").await?;
    let hello = ana.say("hello, I am ana").await?;
    ana.hears(&hello).await?;
    let mut bruno = Member::join(&channel, "bruno").await?;
    let hello = bruno.say("hi, bruno here").await?;
    bruno.hears(&hello).await?;
    ana.hears(&hello).await?;
    report.ok("ana hears bruno, and each hears their own message");

    let mut carla = Member::join(&channel, "carla").await?;
    let hello = carla.say("carla joined").await?;
    for member in [&mut carla, &mut ana, &mut bruno] {
        member.hears(&hello).await?;
    }
    report.ok("a message from carla reaches all three");

    drop(carla);
    let still = ana.say("still there, bruno?").await?;
    ana.hears(&still).await?;
    bruno.hears(&still).await?;
    let yes = bruno.say("yes").await?;
    ana.hears(&yes).await?;
    report.ok("carla left; ana and bruno chat on undisturbed");
    Ok(())
}
