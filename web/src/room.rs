//! The class on the projector: each student's progress, reported by their
//! workshop over gRPC (`class.Class/Report`), drawn by the page as a grid.
//!
//! `cargo run -p workshop -- progress --share URL --name NAME` runs the
//! student's checks and sends one [`Progress`]: a name, which exercises
//! pass, the next one, whether the files compile. The [`Room`] keeps the
//! last report of each name, and tells every page that shows the room
//! (`/room`, Server-Sent Events, as `/events` is for the Live panel).
//!
//! Everything a client sends is bounded before it is kept, because a class
//! network is shared and a misbehaving client (a loop, a typo in a script)
//! must not grow the server's memory: a name is at most
//! [`MAX_NAME_CHARS`] characters with no control characters, the exercise
//! numbers lie in `1..=total` with `total` at most [`MAX_EXERCISES`], the
//! message itself at most [`MAX_REPORT_BYTES`], and the room holds at most
//! [`MAX_STUDENTS`] names: one more is refused with RESOURCE_EXHAUSTED.
//!
//! Why a feed of its own rather than `/events`: the Live feed is a stream
//! of *calls*, and forgets old ones; the room is a *state* (one row per
//! student) that a page opened late must see whole. So `/room` sends the
//! whole room first, then each student's new row as it changes. A row
//! replaces the one of the same name, so a page that fell behind is simply
//! sent the whole room again: no update can be applied twice wrongly.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
    time::Instant,
};

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, Sse},
    },
    routing::get,
};
use futures::{Stream, stream};
use hello_proto::class::{
    MAX_EXERCISES, MAX_NAME_CHARS, check_name,
    pb::{
        Ack, Progress,
        class_server::{Class, ClassServer},
    },
};
use serde_json::{Value, json};
use tokio::sync::broadcast::{self, Receiver, error::RecvError};
use tonic::{Request, Response as GrpcResponse, Status};
use tracing::info;

use crate::feed::MAX_PAGES;

/// The most students the room keeps: a class of thirty many times over,
/// and a bound on the memory a misbehaving client can make it use.
pub const MAX_STUDENTS: usize = 200;

/// The largest report accepted, in bytes: a name of 40 characters (at most
/// 160 bytes of UTF-8) and 32 exercise numbers fit many times over.
pub const MAX_REPORT_BYTES: usize = 4096;

/// How many row changes the channel keeps for a page that is behind;
/// one that falls further behind is sent the whole room again.
const CHANNEL_CAPACITY: usize = 256;

/// One student's row, as the last reports made it.
#[derive(Debug, Clone)]
struct Student {
    /// How many exercises the workshop has: the row's cells.
    total: u32,
    /// Whether the files compiled at the last report.
    compiles: bool,
    /// The exercises that pass, sorted, once each: from the last report
    /// that compiled (one that does not compile knows nothing new).
    done: Vec<u32>,
    /// The next exercise, from the last report that compiled.
    next: Option<u32>,
    /// When the last report came: the page fades a row long quiet.
    seen: Instant,
}

/// The room: every student's row, and the pages that show them. Cheap to
/// clone; every clone is the same room.
#[derive(Debug, Clone)]
pub struct Room {
    shared: Arc<Shared>,
}

/// What the clones of a [`Room`] share.
#[derive(Debug)]
struct Shared {
    /// The rows, by name, at most `capacity` of them. A `std` mutex: held
    /// for an insert or a snapshot, never across an `.await`.
    students: Mutex<HashMap<String, Student>>,
    /// The most names kept.
    capacity: usize,
    /// Each changed row, as JSON, to every page showing the room.
    channel: broadcast::Sender<Arc<str>>,
    /// The address students report to (`http://192.168.0.10:8080`), once
    /// the server knows where it listens: the page shows it in the
    /// command, since the address the projector's browser used
    /// (`127.0.0.1`) would send each student to their own machine.
    share: OnceLock<String>,
}

impl Default for Room {
    fn default() -> Self {
        Self::new(MAX_STUDENTS)
    }
}

impl Room {
    /// An empty room that keeps at most `capacity` students.
    pub fn new(capacity: usize) -> Self {
        let (channel, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            shared: Arc::new(Shared {
                students: Mutex::new(HashMap::new()),
                capacity,
                channel,
                share: OnceLock::new(),
            }),
        }
    }

    /// Keeps `progress` as its student's row and tells the pages; returns
    /// how many students the room holds. Refuses (INVALID_ARGUMENT) a
    /// report that breaks the proto's rules, and (RESOURCE_EXHAUSTED) a new
    /// name when the room is full.
    pub fn report(&self, progress: Progress) -> Result<usize, Status> {
        let (name, mut student) = checked(progress)?;
        let mut students = self.lock();
        if let Some(before) = students.get(&name)
            && !student.compiles
        {
            // Files that do not compile say nothing of what passes: keep
            // what the last report that compiled said, so the instructor
            // still sees where this student was.
            student.done = before.done.clone();
            student.next = before.next;
        }
        if !students.contains_key(&name) && students.len() >= self.shared.capacity {
            return Err(Status::resource_exhausted(format!(
                "the room already holds {} students, the most it keeps; ask the instructor",
                self.shared.capacity
            )));
        }
        // Sent under the lock, so that the order of rows on the channel is
        // the order of the map's changes, and a snapshot taken under the
        // same lock is never followed by an older row.
        let row = row(&name, &student, student.seen);
        let _ = self.shared.channel.send(row.to_string().into());
        students.insert(name, student);
        Ok(students.len())
    }

    /// Says where students report to: the server's address on the
    /// network. The first call stays.
    pub fn set_share(&self, url: String) {
        let _ = self.shared.share.set(url);
    }

    /// The whole room as one event,
    /// `{"type":"room","share":"http://...","students":[...]}`, each row
    /// with how long ago it last reported.
    fn snapshot(&self, students: &HashMap<String, Student>) -> String {
        let now = Instant::now();
        let rows: Vec<Value> = (students.iter())
            .map(|(name, student)| row(name, student, now))
            .collect();
        let share = self.shared.share.get();
        json!({ "type": "room", "share": share, "students": rows }).to_string()
    }

    /// Subscribes a page: the whole room now, and a receiver of each row
    /// changed from now on; `None` if [`MAX_PAGES`] pages already show it.
    fn subscribe(&self) -> Option<(String, Receiver<Arc<str>>)> {
        let students = self.lock();
        // Under the lock: no row can change between the snapshot and the
        // subscription, so none is missed.
        if self.shared.channel.receiver_count() >= MAX_PAGES {
            return None;
        }
        let receiver = self.shared.channel.subscribe();
        Some((self.snapshot(&students), receiver))
    }

    /// The rows, even if a thread panicked while holding them: each insert
    /// is whole or not made.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Student>> {
        (self.shared.students.lock()).unwrap_or_else(PoisonError::into_inner)
    }
}

/// A report checked against the proto's rules: the name as kept, and the
/// row it makes; or INVALID_ARGUMENT saying which rule, and what to do.
fn checked(progress: Progress) -> Result<(String, Student), Status> {
    let Progress {
        name,
        total,
        compiles,
        mut done,
        next,
    } = progress;
    let name = check_name(&name).map_err(|problem| {
        Status::invalid_argument(format!(
            "name: {problem}; choose a name of 1 to {MAX_NAME_CHARS} characters, e.g. --name ana"
        ))
    })?;
    if !(1..=MAX_EXERCISES).contains(&total) {
        return Err(Status::invalid_argument(format!(
            "total: {total} exercises; a workshop has 1 to {MAX_EXERCISES}"
        )));
    }
    let outside = |number: &u32| !(1..=total).contains(number);
    if let Some(wrong) = done.iter().chain(next.iter()).find(|n| outside(n)) {
        return Err(Status::invalid_argument(format!(
            "exercise {wrong}: the exercises are numbered 1 to {total}"
        )));
    }
    done.sort_unstable();
    done.dedup();
    let student = Student {
        total,
        compiles,
        done,
        next,
        seen: Instant::now(),
    };
    Ok((name.to_owned(), student))
}

/// One row as the page reads it: `{"type":"student","name":"ana",...}`,
/// with `ago_ms`, how long before `now` it last reported (the page adds
/// its own clock's time: the two machines' clocks need not agree).
fn row(name: &str, student: &Student, now: Instant) -> Value {
    let ago = now.saturating_duration_since(student.seen);
    json!({
        "type": "student",
        "name": name,
        "total": student.total,
        "compiles": student.compiles,
        "done": student.done,
        "next": student.next,
        "ago_ms": u64::try_from(ago.as_millis()).unwrap_or(u64::MAX),
    })
}

/// `class.Class` as the generated server sees it: a report goes to the room.
#[tonic::async_trait]
impl Class for Room {
    async fn report(&self, request: Request<Progress>) -> Result<GrpcResponse<Ack>, Status> {
        let from = plumbing::server::caller(request.extensions());
        let progress = request.into_inner();
        let (name, done) = (progress.name.clone(), progress.done.clone());
        let students = self.report(progress)?;
        info!("class: {name:?} from {from} reported done {done:?}");
        Ok(GrpcResponse::new(Ack {
            students: u32::try_from(students).unwrap_or(u32::MAX),
        }))
    }
}

/// The room's gRPC service, with its size limit: a report bigger than
/// [`MAX_REPORT_BYTES`] is refused (RESOURCE_EXHAUSTED) before it is read.
pub fn service(room: Room) -> ClassServer<Room> {
    ClassServer::new(room).max_decoding_message_size(MAX_REPORT_BYTES)
}

/// The route of the room's feed: `GET /room`.
pub fn routes(room: Room) -> Router {
    Router::new().route("/room", get(events)).with_state(room)
}

/// `GET /room`: the whole room, then each row as it changes (the whole room
/// again after falling behind); or 503 when [`MAX_PAGES`] pages show it.
async fn events(State(room): State<Room>) -> Response {
    let Some((snapshot, receiver)) = room.subscribe() else {
        let why = format!(
            "the room already shows on {MAX_PAGES} pages, the most it feeds at once; close a tab that shows it, then reload\n"
        );
        let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return (StatusCode::SERVICE_UNAVAILABLE, headers, why).into_response();
    };
    let first = stream::iter([Ok(SseEvent::default().data(snapshot))]);
    Sse::new(futures::StreamExt::chain(first, changes(room, receiver))).into_response()
}

/// Each row as it changes; after `Lagged` (this page fell behind and rows
/// were dropped for it), the whole room again.
fn changes(
    room: Room,
    receiver: Receiver<Arc<str>>,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    stream::unfold((room, receiver), async |(room, mut receiver)| {
        let data = match receiver.recv().await {
            Ok(row) => row.to_string(),
            Err(RecvError::Lagged(_)) => room.snapshot(&room.lock()),
            // The room is gone: the server is stopping.
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(SseEvent::default().data(data)), (room, receiver)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(name: &str, done: &[u32], next: Option<u32>) -> Progress {
        Progress {
            name: name.to_owned(),
            total: 10,
            compiles: true,
            done: done.to_vec(),
            next,
        }
    }

    #[test]
    fn the_room_keeps_at_most_its_capacity_and_a_known_name_still_reports() {
        let room = Room::new(3);
        for name in ["a", "b", "c"] {
            room.report(progress(name, &[], Some(1))).unwrap();
        }
        let refused = room.report(progress("d", &[], Some(1))).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert!(
            refused.message().contains("holds 3 students"),
            "{refused:?}"
        );
        // A student already in the room is never locked out by the cap.
        assert_eq!(room.report(progress("a", &[1], Some(2))).unwrap(), 3);
    }

    #[test]
    fn a_report_that_does_not_compile_keeps_what_was_known_done() {
        let room = Room::new(3);
        room.report(progress("ana", &[2, 1, 2], Some(3))).unwrap();
        let broken = Progress {
            compiles: false,
            ..progress("ana", &[], None)
        };
        room.report(broken).unwrap();
        let snapshot: Value = serde_json::from_str(&room.snapshot(&room.lock())).unwrap();
        let ana = &snapshot["students"][0];
        assert_eq!(ana["compiles"], false);
        assert_eq!(ana["done"], json!([1, 2]), "sorted, once each, kept");
        assert_eq!(ana["next"], 3);
    }

    #[test]
    fn numbers_outside_the_workshop_are_refused() {
        let room = Room::new(3);
        for bad in [
            progress("ana", &[11], Some(1)),
            progress("ana", &[0], Some(1)),
            progress("ana", &[], Some(11)),
            Progress {
                total: 1000,
                ..progress("ana", &[], None)
            },
        ] {
            let refused = room.report(bad).unwrap_err();
            assert_eq!(refused.code(), tonic::Code::InvalidArgument);
        }
    }
}
