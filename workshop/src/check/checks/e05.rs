//! Exercise 5: three clients in one room; one leaves, two go on.
//!
//! Likely mistakes, each named: the client's messages read in the handler
//! itself (so it never returns its stream); a member who does not hear
//! their own messages (filtered out, or subscribed too late); a reader
//! that takes one message and stops (`if let` for `while let`); a room
//! whose other calls end when one client leaves.

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Streaming, service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e05_chat_room::ChatRoomService,
    harness::{self, Report},
    pb::{
        ChatMessage,
        chat_room_client::ChatRoomClient,
        chat_room_server::{ChatRoom, ChatRoomServer},
    },
};

/// One client in the room: where it says things, and what it hears.
struct Member {
    name: &'static str,
    says: mpsc::Sender<ChatMessage>,
    hears: Streaming<ChatMessage>,
    /// How many messages it has said so far.
    said: usize,
}

impl Member {
    /// Opens a chat call for `name`.
    async fn join(channel: &Channel, name: &'static str) -> Result<Member, String> {
        let (says, said) = mpsc::channel(16);
        let mut client = ChatRoomClient::new(channel.clone());
        let hears = within(client.chat(ReceiverStream::new(said)), || {
            t::E05_HANDLER_NEVER_RETURNS.with(&[("name", &name)])
        })
        .await?
        .map_err(|status| failed(&format!("chat ({name})"), &status))?
        .into_inner();
        Ok(Member {
            name,
            says,
            hears,
            said: 0,
        })
    }

    /// Sends `text` to the room.
    async fn say(&mut self, text: &str) -> Result<ChatMessage, String> {
        let message = ChatMessage {
            from: self.name.to_owned(),
            text: text.to_owned(),
        };
        self.says
            .send(message.clone())
            .await
            .map_err(|_| t::E05_CALL_GONE.with(&[("name", &self.name)]))?;
        self.said += 1;
        Ok(message)
    }

    /// The next message this member hears must be `expected`, the
    /// `speaker_said`-th message of its speaker. `left` names a member who
    /// just left, if one did: then a call that ends is that member's doing.
    async fn hears(
        &mut self,
        expected: &ChatMessage,
        speaker_said: usize,
        left: Option<&str>,
    ) -> Result<(), String> {
        let listener = self.name;
        let speaker = expected.from.as_str();
        let text = format!("{:?}", expected.text);
        let not_heard = || {
            let values: &[(&str, &dyn std::fmt::Display)] = &[
                ("listener", &listener),
                ("speaker", &speaker),
                ("text", &text),
            ];
            if listener == speaker && speaker_said == 1 {
                t::E05_OWN_NOT_HEARD.with(values)
            } else if speaker_said > 1 {
                t::E05_LATER_NOT_HEARD.with(values)
            } else {
                t::E05_NOT_HEARD.with(values)
            }
        };
        let what = t::E05_WAITING.with(&[
            ("listener", &listener),
            ("speaker", &speaker),
            ("text", &text),
        ]);
        let heard = match (within(self.hears.message(), not_heard).await?, left) {
            (Ok(Some(heard)), _) => heard,
            (Ok(None), None) => return Err(t::E05_CALL_ENDED.with(&[("what", &what)])),
            (Err(status), None) => return Err(failed(&what, &status)),
            (ended, Some(left)) => {
                let how =
                    ended.map_or_else(|status| harness::status_line(&status), |_| "OK".to_owned());
                return Err(t::E05_ENDED_WHEN_ONE_LEFT.with(&[
                    ("listener", &listener),
                    ("left", &left),
                    ("how", &how),
                ]));
            }
        };
        expect_eq(
            &t::E05_HEARS_NEXT.with(&[("name", &listener)]),
            expected,
            &heard,
        )
    }
}

pub async fn check(report: Report) -> Result<(), String> {
    check_service(report, ChatRoomService::default()).await
}

/// The check, for any implementation of the room.
async fn check_service<S: ChatRoom>(report: Report, service: S) -> Result<(), String> {
    let server = harness::serve(Routes::new(ChatRoomServer::new(service))).await?;
    let channel = harness::channel(server.addr).await?;

    // Each joins, then speaks: once a member hears its own message, it is
    // surely in the room, and so hears every later message.
    let mut ana = Member::join(&channel, "ana").await?;
    let hello = ana.say("hello, I am ana").await?;
    ana.hears(&hello, ana.said, None).await?;
    let mut bruno = Member::join(&channel, "bruno").await?;
    let hello = bruno.say("hi, bruno here").await?;
    bruno.hears(&hello, bruno.said, None).await?;
    ana.hears(&hello, bruno.said, None).await?;
    report.ok(t::E05_OK_TWO);

    let mut carla = Member::join(&channel, "carla").await?;
    let hello = carla.say("carla joined").await?;
    let said = carla.said;
    for member in [&mut carla, &mut ana, &mut bruno] {
        member.hears(&hello, said, None).await?;
    }
    report.ok(t::E05_OK_THREE);

    drop(carla);
    let still = ana.say("still there, bruno?").await?;
    ana.hears(&still, ana.said, Some("carla")).await?;
    bruno.hears(&still, ana.said, Some("carla")).await?;
    let yes = bruno.say("yes").await?;
    ana.hears(&yes, bruno.said, Some("carla")).await?;
    report.ok(t::E05_OK_LEFT);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use futures::StreamExt;
    use tokio::sync::broadcast;
    use tokio_stream::wrappers::BroadcastStream;
    use tonic::{Request, Response, Status, codegen::BoxStream};

    use super::*;
    use crate::checks::{not_yet, verdict};

    /// A room with one of the likely mistakes.
    struct Mistaken {
        room: broadcast::Sender<ChatMessage>,
        reads_in_handler: bool,
        reads_one: bool,
    }

    fn mistaken(reads_in_handler: bool, reads_one: bool) -> Mistaken {
        Mistaken {
            room: broadcast::channel(64).0,
            reads_in_handler,
            reads_one,
        }
    }

    #[tonic::async_trait]
    impl ChatRoom for Mistaken {
        async fn chat(
            &self,
            request: Request<Streaming<ChatMessage>>,
        ) -> Result<Response<BoxStream<ChatMessage>>, Status> {
            let mut incoming = request.into_inner();
            let heard = self.room.subscribe();
            let room = self.room.clone();
            if self.reads_in_handler {
                while let Ok(Some(message)) = incoming.message().await {
                    let _ = room.send(message);
                }
            } else if self.reads_one {
                tokio::spawn(async move {
                    if let Ok(Some(message)) = incoming.message().await {
                        let _ = room.send(message);
                    }
                });
            }
            let outgoing =
                BroadcastStream::new(heard).filter_map(|message| async { message.ok().map(Ok) });
            Ok(Response::new(Box::pin(outgoing)))
        }
    }

    #[test]
    fn reading_in_the_handler_is_named() {
        let why = not_yet(verdict(|report| {
            check_service(report, mistaken(true, false))
        }));
        assert!(why.contains("spawned task"), "{why}");
        assert!(why.contains("has not returned"), "{why}");
    }

    #[test]
    fn a_reader_that_stops_after_one_message_is_named() {
        let why = not_yet(verdict(|report| {
            check_service(report, mistaken(false, true))
        }));
        assert!(why.contains("while let"), "{why}");
    }
}
