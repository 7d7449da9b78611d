//! The ten exercises, in order: file, goal and hint of each.

/// One exercise of the workshop.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// Its number, from 1.
    pub number: u8,
    /// A few words: the call kind or topic.
    pub title: &'static str,
    /// The file to edit, from the repository's root.
    pub file: &'static str,
    /// What to make work, in one sentence.
    pub goal: &'static str,
    /// A nudge for when you are stuck; the solution is the last resort.
    pub hint: &'static str,
}

impl Exercise {
    /// The command that checks it.
    pub fn check_command(&self) -> String {
        format!("cargo run -p workshop -- check {}", self.number)
    }

    /// Where its solution is.
    pub fn solution(&self) -> String {
        self.file.replace("/exercises/", "/solutions/")
    }
}

/// The exercise numbered `number`, if there is one.
pub fn find(number: u8) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|exercise| exercise.number == number)
}

/// All ten, in the order to do them.
pub const EXERCISES: [Exercise; 10] = [
    Exercise {
        number: 1,
        title: "unary: the codegen loop",
        file: "workshop/exercises/01_unary.rs",
        goal: "Declare an rpc say_goodbye in workshop/proto/workshop.proto, implement it on the server (\"Goodbye, NAME!\"), and call it from the client.",
        hint: "\
Three steps, in this order:
1. In workshop/proto/workshop.proto, inside `service Greeter`, add
     rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);
   and below, the two messages:
     message GoodbyeRequest { string name = 1; }
     message GoodbyeReply { string message = 1; }
   Save: the next build regenerates the Rust code (workshop/build.rs).
2. In the server, copy `say_hello` and adapt it: the method is
   `async fn say_goodbye(&self, request: Request<GoodbyeRequest>)
   -> Result<Response<GoodbyeReply>, Status>`. Import GoodbyeRequest and
   GoodbyeReply from crate::pb.
3. In the client function, `client.say_goodbye(GoodbyeRequest { .. }).await?`
   returns a Response; `.into_inner().message` is the text.
unary/src/server.rs and unary/src/client.rs show the same pattern.",
    },
    Exercise {
        number: 2,
        title: "status codes",
        file: "workshop/exercises/02_status.rs",
        goal: "Reject a pid <= 0 with INVALID_ARGUMENT and a message naming the pid received; the client prints the code and the message.",
        hint: "\
A handler returns Result<Response<_>, Status>: the error side is the gRPC
status. `return Err(Status::invalid_argument(format!(\"... {pid}\")));`
before the reply sends INVALID_ARGUMENT with your message.
On the client, the call's Result is Err(status) for a failed call:
`status.code()` is the code and `status.message()` the text. Print the code
with `crate::code_name(status.code())` (INVALID_ARGUMENT, as every gRPC
implementation writes it), e.g. \"error: INVALID_ARGUMENT: pid must be ...\".
server-streaming/src/server.rs checks its request the same way.",
    },
    Exercise {
        number: 3,
        title: "server streaming: a countdown",
        file: "workshop/exercises/03_countdown.rs",
        goal: "Stream from, from-1, ..., 1, interval_ms apart, and stop as soon as the client goes away.",
        hint: "\
The idiom is a channel plus a task: `let (tx, rx) = mpsc::channel(4);`,
`tokio::spawn` a loop that does `tx.send(Ok(Tick { remaining })).await`,
and return `Ok(Response::new(Box::pin(ReceiverStream::new(rx))))` at once.
When the client goes away, tonic drops `rx`: `send` then returns Err, and
that is your signal to stop (`break`). While sleeping, also watch
`tx.closed()` with tokio::select!, so a long interval does not keep the task
alive. Wait between ticks, not before the first one.
server-streaming/src/server.rs does exactly this.",
    },
    Exercise {
        number: 4,
        title: "client streaming: statistics",
        file: "workshop/exercises/04_stats.rs",
        goal: "Receive a stream of numbers and reply with their count, min, max and mean; an empty stream is a zero summary, not an error.",
        hint: "\
The request is a Streaming<Number>: `while let Some(number) =
numbers.message().await? { ... }` reads each number until the client
half-closes (the `?` passes on a broken stream as an error).
Keep count, min, max and a sum as you go; the mean is sum / count, and only
when count > 0 (an empty stream gives Summary::default(): all zeros).
On the client, any Stream of Numbers is a request stream:
`tokio_stream::iter(values.into_iter().map(|value| Number { value }))`.
client-streaming/src/server.rs and client.rs show both halves.",
    },
    Exercise {
        number: 5,
        title: "bidirectional: a chat room",
        file: "workshop/exercises/05_chat_room.rs",
        goal: "Each message from one client reaches every connected client (a tokio broadcast channel), and a client that leaves does not disturb the others.",
        hint: "\
The room is a tokio::sync::broadcast channel (`self.room`): `send` gives a
message to every receiver alive, `subscribe` makes a new receiver.
For each call: subscribe first (so this client hears everything from now
on, its own messages included), then spawn a task that reads the client's
messages (`incoming.message().await`) and sends each to the room.
Reply with the receiver as a stream: `BroadcastStream::new(receiver)`,
keeping only the Ok messages (a slow client can miss some: Lagged).
When a client leaves, its reader task ends and tonic drops its stream;
nobody else notices. bidi-streaming/src/server.rs answers a stream as it
arrives.",
    },
    Exercise {
        number: 6,
        title: "futures: calls at once",
        file: "workshop/exercises/06_futures.rs",
        goal: "Fire all the calls at once and collect the replies in the order they complete; compare with one after another.",
        hint: "\
A call is a future: nothing happens until it is awaited. Make one future
per request (each with its own clone of the client: a clone shares the
connection), put them all in a futures::stream::FuturesUnordered, and
`while let Some(reply) = calls.next().await` collects each reply as soon as
it is ready, so the fastest comes first.
unary/src/client.rs (`call_concurrently`) does this for --concurrent.",
    },
    Exercise {
        number: 7,
        title: "deadlines",
        file: "workshop/exercises/07_deadlines.rs",
        goal: "Set a deadline on the call and report DEADLINE_EXCEEDED on the client; make the server stop working on a call whose caller gave up.",
        hint: "\
Client: `request.set_timeout(timeout)` sets the deadline (sent to the server
as the grpc-timeout header). When it passes, the call fails: the server
says DEADLINE_EXCEEDED, or tonic's own timer says CANCELLED with the message
\"Timeout expired\". Treat both as the deadline passing.
Server: when the caller gives up, tonic drops the handler's future, and
everything it owns stops with it. But a task made by tokio::spawn belongs to
no one: it runs on. Either do the work in the handler itself, or keep the
JoinHandle in a guard whose Drop calls `abort()`.
hello-proto/src/lifecycle.rs is how the teaching servers handle deadlines.",
    },
    Exercise {
        number: 8,
        title: "metadata",
        file: "workshop/exercises/08_metadata.rs",
        goal: "Send a request id in the x-request-id metadata and have the server echo it back in the response metadata.",
        hint: "\
Metadata is gRPC's headers: key-value pairs beside the message.
Client: `request.metadata_mut().insert(\"x-request-id\", value)`, where
`value` is a MetadataValue: `id.parse()` makes one (and fails for text
that cannot be a header). Read the reply's with
`response.metadata().get(\"x-request-id\")` and `.to_str()`.
Server: `request.metadata().get(...)` before `into_inner()` (which drops the
metadata), then `response.metadata_mut().insert(...)` on the Response.
hello-proto/src/auth.rs reads and writes the authorization metadata.",
    },
    Exercise {
        number: 9,
        title: "authentication",
        file: "workshop/exercises/09_auth.rs",
        goal: "Write the interceptor that lets a call through only with `authorization: Bearer workshop-secret`, and the one that adds it on the client.",
        hint: "\
An interceptor is a function from Request<()> (just the metadata) to
Result<Request<()>, Status>: return Ok(request) to let the call through, or
Err(Status::unauthenticated(\"...\")) to refuse it before the handler runs.
Compare `request.metadata().get(\"authorization\")` with
format!(\"Bearer {TOKEN}\"): MetadataValue has `to_str()`. Say whether the
token was missing or wrong (never echo a wrong one back).
On the client, insert the same header: MetadataValue::try_from(...).
hello-proto/src/auth.rs is a complete version (in constant time).",
    },
    Exercise {
        number: 10,
        title: "encryption: TLS",
        file: "workshop/exercises/10_tls.rs",
        goal: "Serve and call over TLS, with the certificate authority the exercise generates.",
        hint: "\
Server: `Server::builder().tls_config(ServerTlsConfig::new().identity(
Identity::from_pem(&certs.server_cert, &certs.server_key)))?` then add the
service and serve on the listener as the plaintext version does.
Client: the scheme is https, and the client trusts only our CA:
`ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert))
.domain_name(\"localhost\")` passed to `Endpoint::tls_config`. The domain name
must be one the certificate names (make_certificates names localhost).
hello-proto/src/tls.rs makes the certificates for --tls.",
    },
];
