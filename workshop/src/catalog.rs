//! The sixteen exercises, in order: file, title, goal and hint of each, in
//! both languages; and the one definition of which exercise is next.

use crate::text::Text;

/// How many exercises there are.
pub const COUNT: u8 = 16;

/// One exercise of the workshop.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// Its number, from 1.
    pub number: u8,
    /// The file to edit, from the repository's root.
    pub file: &'static str,
    /// A few words: the call kind or topic.
    pub title: Text,
    /// What to make work, in one sentence.
    pub goal: Text,
    /// A nudge for when you are stuck; the solution is the last resort.
    pub hint: Text,
    /// What `call N` takes after `--addr HOST:PORT`, with an example.
    pub call_args: Text,
}

impl Exercise {
    /// The file's name without its directory: `03_countdown.rs`.
    pub fn file_name(&self) -> &'static str {
        self.file.rsplit('/').next().unwrap_or(self.file)
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

/// The exercise to do next: the lowest-numbered one not done. This is the
/// one definition the list, `check`, `watch` and `progress` all use, so they
/// never disagree. `None` when all are done.
pub fn next(done: impl Fn(u8) -> bool) -> Option<u8> {
    (1..=COUNT).find(|&number| !done(number))
}

/// All sixteen, in the order to do them.
pub const EXERCISES: [Exercise; COUNT as usize] = [
    Exercise {
        number: 1,
        file: "workshop/exercises/01_unary.rs",
        title: Text {
            en: "unary: the codegen loop",
            pt: "unary: o ciclo da geração de código",
        },
        goal: Text {
            en: "Declare an rpc say_goodbye in workshop/proto/workshop.proto, implement it on the server (\"Goodbye, NAME!\"), and call it from the client.",
            pt: "Declarar um rpc say_goodbye em workshop/proto/workshop.proto, implementá-lo no servidor (\"Goodbye, NAME!\") e chamá-lo a partir do cliente.",
        },
        hint: Text {
            en: "\
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
            pt: "\
Três passos, nesta ordem:
1. Em workshop/proto/workshop.proto, dentro de `service Greeter`, acrescente
     rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);
   e, mais abaixo, as duas mensagens:
     message GoodbyeRequest { string name = 1; }
     message GoodbyeReply { string message = 1; }
   Salve: a próxima compilação gera o código Rust de novo (workshop/build.rs).
2. No servidor, copie o `say_hello` e adapte: o método é
   `async fn say_goodbye(&self, request: Request<GoodbyeRequest>)
   -> Result<Response<GoodbyeReply>, Status>`. Importe GoodbyeRequest e
   GoodbyeReply de crate::pb.
3. Na função do cliente, `client.say_goodbye(GoodbyeRequest { .. }).await?`
   devolve um Response; `.into_inner().message` é o texto.
unary/src/server.rs e unary/src/client.rs mostram o mesmo padrão.",
        },
        call_args: Text {
            en: "[NAME] (e.g. Ada)",
            pt: "[NOME] (por exemplo Ada)",
        },
    },
    Exercise {
        number: 2,
        file: "workshop/exercises/02_status.rs",
        title: Text {
            en: "status codes",
            pt: "códigos de status",
        },
        goal: Text {
            en: "Reject a pid <= 0 with INVALID_ARGUMENT and a message naming the pid received; the client prints the code and the message.",
            pt: "Rejeitar um pid <= 0 com INVALID_ARGUMENT e uma mensagem que cite o pid recebido; o cliente imprime o código e a mensagem.",
        },
        hint: Text {
            en: "\
A handler returns Result<Response<_>, Status>: the error side is the gRPC
status. `return Err(Status::invalid_argument(format!(\"... {pid}\")));`
before the reply sends INVALID_ARGUMENT with your message. Zero is not a
pid either: the test is `pid <= 0`.
On the client, the call's Result is Err(status) for a failed call:
`status.code()` is the code and `status.message()` the text. Print the code
with `crate::code_name(status.code())` (INVALID_ARGUMENT, as every gRPC
implementation writes it; `{:?}` would print tonic's InvalidArgument),
e.g. \"error: INVALID_ARGUMENT: pid must be ...\".
server-streaming/src/server.rs checks its request the same way.",
            pt: "\
Um handler devolve Result<Response<_>, Status>: o lado do erro é o status
do gRPC. `return Err(Status::invalid_argument(format!(\"... {pid}\")));`
antes da resposta envia INVALID_ARGUMENT com a sua mensagem. Zero também
não é um pid: o teste é `pid <= 0`.
No cliente, o Result da chamada é Err(status) quando ela falha:
`status.code()` é o código e `status.message()`, o texto. Imprima o código
com `crate::code_name(status.code())` (INVALID_ARGUMENT, como toda
implementação de gRPC escreve; `{:?}` imprimiria o InvalidArgument do
tonic), por exemplo \"error: INVALID_ARGUMENT: pid must be ...\".
server-streaming/src/server.rs valida a requisição do mesmo jeito.",
        },
        call_args: Text {
            en: "[PID] (e.g. -5)",
            pt: "[PID] (por exemplo -5)",
        },
    },
    Exercise {
        number: 3,
        file: "workshop/exercises/03_countdown.rs",
        title: Text {
            en: "server streaming: a countdown",
            pt: "server streaming: contagem regressiva",
        },
        goal: Text {
            en: "Stream from, from-1, ..., 1, interval_ms apart, without blocking the server, and stop as soon as the client goes away.",
            pt: "Enviar em stream from, from-1, ..., 1, com interval_ms entre um e outro, sem bloquear o servidor, e parar assim que o cliente for embora.",
        },
        hint: Text {
            en: "\
The idiom is a channel plus a task: `let (tx, rx) = mpsc::channel(4);`,
`tokio::spawn` a loop that sends `tx.send(Ok(Tick { remaining })).await`
(each item is a Result: Ok for a tick), and return
`Ok(Response::new(Box::pin(ReceiverStream::new(rx))))` at once.
Send the first tick at once, then wait `interval` between ticks (not before
the first, not after the last). Wait with `tokio::time::sleep(interval)
.await`, never std::thread::sleep: that one blocks the server's thread and
every other call on it.
When the client goes away, tonic drops `rx`: `send` then returns Err, so
`break`. And while waiting, also watch `tx.closed()`, so that a long
interval does not keep the task alive:
    tokio::select! {
        () = tokio::time::sleep(interval) => {}
        () = tx.closed() => break,
    }
server-streaming/src/server.rs does exactly this.",
            pt: "\
O jeito idiomático é um canal mais uma tarefa: `let (tx, rx) = mpsc::channel(4);`,
um `tokio::spawn` com um laço que envia `tx.send(Ok(Tick { remaining })).await`
(cada item é um Result: Ok para um tick), e devolva
`Ok(Response::new(Box::pin(ReceiverStream::new(rx))))` na hora.
Envie o primeiro tick na hora e depois espere `interval` entre os ticks
(nem antes do primeiro, nem depois do último). Espere com
`tokio::time::sleep(interval).await`, nunca com std::thread::sleep: esse
bloqueia a thread do servidor e todas as outras chamadas que estão nela.
Quando o cliente vai embora, o tonic descarta o `rx`: aí o `send` devolve
Err, então `break`. E, enquanto espera, fique de olho também em
`tx.closed()`, para que um intervalo longo não mantenha a tarefa viva:
    tokio::select! {
        () = tokio::time::sleep(interval) => {}
        () = tx.closed() => break,
    }
server-streaming/src/server.rs faz exatamente isso.",
        },
        call_args: Text {
            en: "[FROM] [INTERVAL_MS] (e.g. 5 1000)",
            pt: "[FROM] [INTERVAL_MS] (por exemplo 5 1000)",
        },
    },
    Exercise {
        number: 4,
        file: "workshop/exercises/04_stats.rs",
        title: Text {
            en: "client streaming: statistics",
            pt: "client streaming: estatísticas",
        },
        goal: Text {
            en: "Receive a stream of numbers and reply with their count, min, max and mean; an empty stream is a zero summary, not an error.",
            pt: "Receber um stream de números e responder com quantidade, mínimo, máximo e média; um stream vazio dá um resumo zerado, não um erro.",
        },
        hint: Text {
            en: "\
The request is a Streaming<Number>: `while let Some(number) =
numbers.message().await? { ... }` reads each number until the client
half-closes (the `?` passes on a broken stream as an error).
Keep count, min, max and a sum as you go. Start min and max from the first
number, not from 0 (all the numbers may be negative). The mean is
sum / count, and only when count > 0 (an empty stream gives
Summary::default(): all zeros, not NaN).
On the client, any Stream of Numbers is a request stream:
`tokio_stream::iter(values.into_iter().map(|value| Number { value }))`
ends after the last value, and that end is the half-close. If you send
through a channel instead (mpsc + ReceiverStream), the stream ends only
when every sender is gone: drop the sender to half-close, or the server
waits for more numbers forever.
client-streaming/src/server.rs and client.rs show both halves.",
            pt: "\
A requisição é um Streaming<Number>: `while let Some(number) =
numbers.message().await? { ... }` lê cada número até o cliente fazer o
half-close (o `?` repassa como erro um stream que quebrou).
Vá guardando quantidade, mínimo, máximo e uma soma. Comece o mínimo e o
máximo pelo primeiro número, não por 0 (todos os números podem ser
negativos). A média é soma / quantidade, e só quando quantidade > 0 (um
stream vazio dá Summary::default(): tudo zero, e não NaN).
No cliente, qualquer Stream de Numbers serve de requisição:
`tokio_stream::iter(values.into_iter().map(|value| Number { value }))`
termina depois do último valor, e esse fim é o half-close. Se você enviar
por um canal (mpsc + ReceiverStream), o stream só termina quando todos os
senders sumirem: descarte o sender (drop) para fazer o half-close, ou o
servidor fica esperando mais números para sempre.
client-streaming/src/server.rs e client.rs mostram as duas metades.",
        },
        call_args: Text {
            en: "NUMBER... (e.g. 3 -1 4.5)",
            pt: "NÚMERO... (por exemplo 3 -1 4.5)",
        },
    },
    Exercise {
        number: 5,
        file: "workshop/exercises/05_chat_room.rs",
        title: Text {
            en: "bidirectional: a chat room",
            pt: "bidirecional: sala de chat",
        },
        goal: Text {
            en: "Each message from one client reaches every connected client (a tokio broadcast channel), and a client that leaves does not disturb the others.",
            pt: "Cada mensagem de um cliente chega a todos os clientes conectados (um canal broadcast do tokio), e um cliente que sai não atrapalha os outros.",
        },
        hint: Text {
            en: "\
The room is a tokio::sync::broadcast channel (`self.room`): `send` gives a
message to every receiver alive, `subscribe` makes a new receiver.
For each call: subscribe first (so this client hears everything from now
on, its own messages included), then spawn a task that loops over the
client's messages (`while let Ok(Some(message)) = incoming.message().await`)
and sends each to the room. Do not read them in the handler itself: that
loop ends only when the client leaves, and until the handler returns, the
client gets no reply stream at all.
The task outlives the handler, so it must own what it uses: give it its own
handle on the room (`let room = self.room.clone();`, then `move` it in). A
task that borrows `self` is rustc's E0521, `borrowed data escapes`.
Reply with the receiver as a stream: `BroadcastStream::new(receiver)`,
keeping only the Ok messages (a slow client can miss some: Lagged).
When a client leaves, its reader task ends and tonic drops its stream;
nobody else notices. bidi-streaming/src/server.rs answers a stream as it
arrives.",
            pt: "\
A sala é um canal tokio::sync::broadcast (`self.room`): `send` entrega uma
mensagem a cada receptor vivo, `subscribe` cria um receptor novo.
Em cada chamada: primeiro assine a sala (assim este cliente ouve tudo daqui
em diante, inclusive as próprias mensagens), depois crie com spawn uma
tarefa com um laço sobre as mensagens do cliente
(`while let Ok(Some(message)) = incoming.message().await`) que envia cada
uma à sala. Não as leia no próprio handler: esse laço só termina quando o
cliente sai, e até o handler retornar o cliente não recebe stream nenhum
de resposta.
A tarefa vive mais que o handler, então precisa ser dona do que usa: dê a
ela a sua própria alça para a sala (`let room = self.room.clone();`, e
depois `move` para dentro). Uma tarefa que pega `self` emprestado é o E0521
do rustc, `borrowed data escapes`.
Responda com o receptor como stream: `BroadcastStream::new(receiver)`,
mantendo só as mensagens Ok (um cliente lento pode perder algumas: Lagged).
Quando um cliente sai, a tarefa que lê as mensagens dele termina e o tonic
descarta o stream dele; ninguém mais percebe. bidi-streaming/src/server.rs
responde a um stream à medida que ele chega.",
        },
        call_args: Text {
            en: "[NAME] (then type lines; Ctrl-D leaves)",
            pt: "[NOME] (depois digite linhas; Ctrl-D sai)",
        },
    },
    Exercise {
        number: 6,
        file: "workshop/exercises/06_futures.rs",
        title: Text {
            en: "futures: calls at once",
            pt: "futures: chamadas ao mesmo tempo",
        },
        goal: Text {
            en: "Fire all the calls at once and collect the replies in the order they complete; compare with one after another.",
            pt: "Disparar todas as chamadas de uma vez e recolher as respostas na ordem em que terminam; comparar com uma depois da outra.",
        },
        hint: Text {
            en: "\
A call is a future: nothing happens until it is awaited. Make one future
per request (each with its own clone of the client: a clone shares the
connection), put them all in a futures::stream::FuturesUnordered, and
`while let Some(reply) = calls.next().await` collects each reply as soon as
it is ready, so the fastest comes first.
Awaiting each call in turn makes them one after another; join_all runs
them at once but hands the replies back in the order sent.
unary/src/client.rs (`call_concurrently`) does this for --concurrent.",
            pt: "\
Uma chamada é um future: nada acontece até alguém fazer `await` nela. Crie
um future por requisição (cada um com o seu clone do cliente: um clone
compartilha a conexão), coloque todos num futures::stream::FuturesUnordered,
e `while let Some(reply) = calls.next().await` recolhe cada resposta assim
que ela fica pronta, então a mais rápida vem primeiro.
Fazer `await` em cada chamada por vez as deixa uma depois da outra; o
join_all as roda ao mesmo tempo, mas devolve as respostas na ordem de envio.
unary/src/client.rs (`call_concurrently`) faz isso para o --concurrent.",
        },
        call_args: Text {
            en: "(no arguments: three calls at once, then in turn)",
            pt: "(sem argumentos: três chamadas de uma vez, depois uma após a outra)",
        },
    },
    Exercise {
        number: 7,
        file: "workshop/exercises/07_deadlines.rs",
        title: Text {
            en: "deadlines",
            pt: "deadlines (prazos)",
        },
        goal: Text {
            en: "Set a deadline on the call and report DEADLINE_EXCEEDED on the client; make the server stop working on a call whose caller gave up.",
            pt: "Definir um deadline na chamada e informar DEADLINE_EXCEEDED no cliente; fazer o servidor parar de trabalhar numa chamada cujo cliente desistiu.",
        },
        hint: Text {
            en: "\
Client: `request.set_timeout(timeout)` sets the deadline (sent to the server
as the grpc-timeout header). When it passes, the call fails: the server
says DEADLINE_EXCEEDED, or tonic's own timer says CANCELLED with the message
\"Timeout expired\". Treat both as the deadline passing.
Server: when the caller gives up, tonic drops the handler's future, and
everything it owns stops with it. But a task made by tokio::spawn belongs to
no one: it runs on. Either do the work in the handler itself, or keep the
JoinHandle in a guard whose Drop calls `abort()`. Each step waits with
tokio::time::sleep(..).await: std::thread::sleep would block the server's
thread, and an abort cannot stop a task that never reaches an .await.
plumbing/src/call_layer.rs is how the teaching servers handle deadlines.",
            pt: "\
Cliente: `request.set_timeout(timeout)` define o deadline (enviado ao
servidor no header grpc-timeout). Quando ele estoura, a chamada falha: o
servidor diz DEADLINE_EXCEEDED, ou o próprio timer do tonic diz CANCELLED
com a mensagem \"Timeout expired\". Trate os dois como deadline estourado.
Servidor: quando o cliente desiste, o tonic descarta o future do handler, e
tudo o que pertence a ele para junto. Mas uma tarefa criada com tokio::spawn
não pertence a ninguém: ela continua rodando. Ou faça o trabalho no próprio
handler, ou guarde o JoinHandle numa guarda cujo Drop chama `abort()`. Cada
passo espera com tokio::time::sleep(..).await: std::thread::sleep
bloquearia a thread do servidor, e um abort não consegue parar uma tarefa
que nunca chega a um .await.
plumbing/src/call_layer.rs mostra como os servidores didáticos tratam deadlines.",
        },
        call_args: Text {
            en: "[STEPS] [TIMEOUT_MS] (e.g. 10 300)",
            pt: "[PASSOS] [TIMEOUT_MS] (por exemplo 10 300)",
        },
    },
    Exercise {
        number: 8,
        file: "workshop/exercises/08_metadata.rs",
        title: Text {
            en: "metadata",
            pt: "metadados",
        },
        goal: Text {
            en: "Send a request id in the x-request-id metadata and have the server echo it back in the response metadata.",
            pt: "Enviar um id de requisição no metadado x-request-id e fazer o servidor devolvê-lo nos metadados da resposta.",
        },
        hint: Text {
            en: "\
Metadata is gRPC's headers: key-value pairs beside the message.
Client: `request.metadata_mut().insert(REQUEST_ID, value)`, where
`value` is a MetadataValue: `id.parse()` makes one, and fails for text
that cannot be a header (a line break, say): turn that failure into
Status::invalid_argument with `map_err`, never unwrap it. Read the reply's
with `response.metadata().get(REQUEST_ID)` and `.to_str()`.
Server: `request.metadata().get(...)` before `into_inner()` (which drops the
metadata), then `response.metadata_mut().insert(...)` on the Response.
plumbing/src/auth.rs reads and writes the authorization metadata.",
            pt: "\
Metadados são os headers do gRPC: pares chave-valor ao lado da mensagem.
Cliente: `request.metadata_mut().insert(REQUEST_ID, value)`, onde `value`
é um MetadataValue: `id.parse()` cria um, e falha para um texto que não
pode ser header (uma quebra de linha, por exemplo): transforme essa falha
em Status::invalid_argument com `map_err`, nunca com unwrap. Leia o da
resposta com `response.metadata().get(REQUEST_ID)` e `.to_str()`.
Servidor: `request.metadata().get(...)` antes do `into_inner()` (que
descarta os metadados), depois `response.metadata_mut().insert(...)` no
Response.
plumbing/src/auth.rs lê e escreve o metadado authorization.",
        },
        call_args: Text {
            en: "[ID] (e.g. request-1)",
            pt: "[ID] (por exemplo request-1)",
        },
    },
    Exercise {
        number: 9,
        file: "workshop/exercises/09_auth.rs",
        title: Text {
            en: "authentication",
            pt: "autenticação",
        },
        goal: Text {
            en: "Write the interceptor that lets a call through only with `authorization: Bearer workshop-secret`, and the one that adds it on the client.",
            pt: "Escrever o interceptor que só deixa passar uma chamada com `authorization: Bearer workshop-secret`, e o que acrescenta esse metadado no cliente.",
        },
        hint: Text {
            en: "\
An interceptor is a function from Request<()> (just the metadata) to
Result<Request<()>, Status>: return Ok(request) to let the call through, or
Err(Status::unauthenticated(\"...\")) to refuse it before the handler runs.
Compare the whole of `request.metadata().get(\"authorization\")` with
format!(\"Bearer {TOKEN}\") (not just whether it contains the token):
MetadataValue has `to_str()` and `as_bytes()`. Say whether the token was
missing or wrong (never echo a wrong one back).
On the client, insert the same header, \"Bearer \" included:
MetadataValue::try_from(format!(\"Bearer {TOKEN}\")).
plumbing/src/auth.rs is a complete version (in constant time).",
            pt: "\
Um interceptor é uma função de Request<()> (só os metadados) para
Result<Request<()>, Status>: devolva Ok(request) para deixar a chamada
passar, ou Err(Status::unauthenticated(\"...\")) para recusá-la antes de o
handler rodar.
Compare o valor inteiro de `request.metadata().get(\"authorization\")` com
format!(\"Bearer {TOKEN}\") (não só se ele contém o token): MetadataValue
tem `to_str()` e `as_bytes()`. Diga se o token estava faltando ou errado
(nunca repita de volta um token errado).
No cliente, insira o mesmo header, com o \"Bearer \":
MetadataValue::try_from(format!(\"Bearer {TOKEN}\")).
plumbing/src/auth.rs é uma versão completa (em tempo constante).",
        },
        call_args: Text {
            en: "(no arguments: a call without the token, then one with it)",
            pt: "(sem argumentos: uma chamada sem o token, depois uma com ele)",
        },
    },
    Exercise {
        number: 10,
        file: "workshop/exercises/10_tls.rs",
        title: Text {
            en: "encryption: TLS",
            pt: "criptografia: TLS",
        },
        goal: Text {
            en: "Serve and call over TLS, with the certificate authority the exercise generates.",
            pt: "Servir e chamar usando TLS, com a autoridade certificadora que o exercício gera.",
        },
        hint: Text {
            en: "\
Server: `Server::builder().tls_config(ServerTlsConfig::new().identity(
Identity::from_pem(&certs.server_cert, &certs.server_key)))?` then add the
service and serve on the listener as the plaintext version does.
Client: the scheme is https, and the client trusts only our CA:
`ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert))
.domain_name(\"localhost\")` passed to `Endpoint::tls_config`. The domain name
must be one the certificate names (make_certificates names localhost).
plumbing/src/tls.rs makes the certificates for --tls.",
            pt: "\
Servidor: `Server::builder().tls_config(ServerTlsConfig::new().identity(
Identity::from_pem(&certs.server_cert, &certs.server_key)))?`, depois
adicione o serviço e sirva no listener como faz a versão sem TLS.
Cliente: o esquema é https, e o cliente confia só na nossa CA:
`ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert))
.domain_name(\"localhost\")` passado para `Endpoint::tls_config`. O nome de
domínio precisa ser um dos que o certificado traz (make_certificates põe
localhost).
plumbing/src/tls.rs gera os certificados do --tls.",
        },
        call_args: Text {
            en: "--ca FILE (the CA certificate their serve 10 wrote)",
            pt: "--ca ARQUIVO (o certificado da CA que o serve 10 do colega gravou)",
        },
    },
    Exercise {
        number: 11,
        file: "workshop/exercises/11_rich_errors.rs",
        title: Text {
            en: "the richer error model",
            pt: "o modelo de erro mais rico",
        },
        goal: Text {
            en: "Refuse a bad sign-up with INVALID_ARGUMENT and a google.rpc.BadRequest naming every wrong field; the client reads the details and prints which fields were wrong.",
            pt: "Recusar um cadastro ruim com INVALID_ARGUMENT e um google.rpc.BadRequest que nomeie cada campo errado; o cliente lê os detalhes e imprime quais campos estavam errados.",
        },
        hint: Text {
            en: "\
tonic-types adds the details (`use tonic_types::{ErrorDetails,
FieldViolation, StatusExt};`).
Server: push a `FieldViolation::new(\"email\", \"must contain @\")` for
each wrong field into a Vec (check all three before refusing: a form
wants every wrong box at once), then
    return Err(Status::with_error_details(Code::InvalidArgument,
        \"invalid sign-up\", ErrorDetails::with_bad_request(violations)));
The field is the proto's name (name, email, age). Age MIN_AGE itself is
allowed: the test is `age < MIN_AGE`.
Client: on Err(status), `status.get_details_bad_request()` gives
Some(BadRequest) when the server sent one; its `field_violations` each have
`field` and `description`. Never look for field names in status.message():
the message is for people, and may be reworded.
topics/errors/src/server.rs and details.rs do the same for a pid.",
            pt: "\
O tonic-types acrescenta os detalhes (`use tonic_types::{ErrorDetails,
FieldViolation, StatusExt};`).
Servidor: acrescente um `FieldViolation::new(\"email\", \"must contain @\")`
para cada campo errado num Vec (verifique os três antes de recusar: um
formulário quer marcar todos os campos errados de uma vez), e então
    return Err(Status::with_error_details(Code::InvalidArgument,
        \"invalid sign-up\", ErrorDetails::with_bad_request(violations)));
O field é o nome no proto (name, email, age). A idade MIN_AGE em si é
permitida: o teste é `age < MIN_AGE`.
Cliente: em Err(status), `status.get_details_bad_request()` dá
Some(BadRequest) quando o servidor mandou um; cada um dos
`field_violations` tem `field` e `description`. Nunca procure nomes de
campo no status.message(): a mensagem é para pessoas, e pode mudar.
topics/errors/src/server.rs e details.rs fazem o mesmo para um pid.",
        },
        call_args: Text {
            en: "[NAME] [EMAIL] [AGE] (e.g. \"\" nobody 3)",
            pt: "[NOME] [EMAIL] [IDADE] (por exemplo \"\" nobody 3)",
        },
    },
    Exercise {
        number: 12,
        file: "workshop/exercises/12_request_ids.rs",
        title: Text {
            en: "interceptors: a request id for every call",
            pt: "interceptors: um id para cada chamada",
        },
        goal: Text {
            en: "The client's interceptor gives each call a fresh x-request-id; the server's refuses a call without one and hands the id to the handler in the extensions; the reply echoes it.",
            pt: "O interceptor do cliente dá a cada chamada um x-request-id novo; o do servidor recusa uma chamada sem ele e entrega o id ao handler nas extensions; a resposta o devolve.",
        },
        hint: Text {
            en: "\
Server's interceptor: `request.metadata().get(REQUEST_ID)` and `.to_str()`;
missing or empty is Err(Status::invalid_argument(...)) (a wrong request,
not an unknown caller: not UNAUTHENTICATED). Otherwise
`request.extensions_mut().insert(RequestId(id))` and Ok(request).
Extensions are typed values that ride with the request on this side of the
wire: the handler takes the checked id with
`request.extensions().get::<RequestId>()`, and never parses the header
again. Echo it with `response.metadata_mut().insert(REQUEST_ID, value)`.
Client: an Interceptor is anything with
`fn call(&mut self, Request<()>) -> Result<Request<()>, Status>`. Take a
new number with `self.given.fetch_add(1, Ordering::Relaxed) + 1`: the
counter is an Arc, so the clones of a client share it and never repeat an
id. `format!(\"req-{n}\").parse()` makes the MetadataValue.
topics/interceptors/src/ and topics/metadata/src/ go further.",
            pt: "\
Interceptor do servidor: `request.metadata().get(REQUEST_ID)` e
`.to_str()`; faltando ou vazio é Err(Status::invalid_argument(...)) (uma
requisição errada, não alguém desconhecido: nada de UNAUTHENTICATED). Senão,
`request.extensions_mut().insert(RequestId(id))` e Ok(request).
Extensions são valores tipados que acompanham a requisição deste lado da
rede: o handler pega o id já verificado com
`request.extensions().get::<RequestId>()`, e nunca mais lê o header.
Devolva-o com `response.metadata_mut().insert(REQUEST_ID, value)`.
Cliente: um Interceptor é qualquer coisa com
`fn call(&mut self, Request<()>) -> Result<Request<()>, Status>`. Tire um
número novo com `self.given.fetch_add(1, Ordering::Relaxed) + 1`: o
contador é um Arc, então os clones de um cliente o compartilham e nunca
repetem um id. `format!(\"req-{n}\").parse()` cria o MetadataValue.
topics/interceptors/src/ e topics/metadata/src/ vão além.",
        },
        call_args: Text {
            en: "(no arguments: a call without an id, then two through RequestIds)",
            pt: "(sem argumentos: uma chamada sem id, depois duas pelo RequestIds)",
        },
    },
    Exercise {
        number: 13,
        file: "workshop/exercises/13_retries.rs",
        title: Text {
            en: "retries with backoff, within one deadline",
            pt: "novas tentativas com backoff, dentro de um deadline",
        },
        goal: Text {
            en: "Retry UNAVAILABLE with exponential backoff, at most MAX_ATTEMPTS attempts, each carrying what is left of one deadline; stop at once with DEADLINE_EXCEEDED when the next wait would pass it.",
            pt: "Repetir a chamada em caso de UNAVAILABLE com backoff exponencial, no máximo MAX_ATTEMPTS tentativas, cada uma levando o que resta de um único deadline; parar na hora com DEADLINE_EXCEEDED quando a próxima espera passaria dele.",
        },
        hint: Text {
            en: "\
Fix the deadline once: `let deadline = Instant::now() + deadline;`
(tokio::time::Instant). Then loop, counting attempts:
    request.set_timeout(deadline.saturating_duration_since(Instant::now()));
match the call: Ok returns Fetched; DEADLINE_EXCEEDED (or CANCELLED
\"Timeout expired\") returns Status::deadline_exceeded; any code but
UNAVAILABLE, or the MAX_ATTEMPTS-th failure, returns that status as it is.
For UNAVAILABLE: `if Instant::now() + backoff >= deadline` return
DEADLINE_EXCEEDED now (sleeping first would only fail later); else
`tokio::time::sleep(backoff).await;` and
`backoff = (backoff * 2).min(MAX_BACKOFF);`.
topics/retries/src/policy.rs and attempt.rs are gRPC's full policy (with
jitter and server pushback).",
            pt: "\
Fixe o deadline uma vez: `let deadline = Instant::now() + deadline;`
(tokio::time::Instant). Depois, um laço que conta as tentativas:
    request.set_timeout(deadline.saturating_duration_since(Instant::now()));
e um match na chamada: Ok devolve Fetched; DEADLINE_EXCEEDED (ou CANCELLED
\"Timeout expired\") devolve Status::deadline_exceeded; qualquer código que
não seja UNAVAILABLE, ou a falha da tentativa número MAX_ATTEMPTS, devolve
esse status como veio.
Para UNAVAILABLE: `if Instant::now() + backoff >= deadline` devolva
DEADLINE_EXCEEDED já (dormir antes só falharia mais tarde); senão
`tokio::time::sleep(backoff).await;` e
`backoff = (backoff * 2).min(MAX_BACKOFF);`.
topics/retries/src/policy.rs e attempt.rs são a política completa do gRPC
(com jitter e pushback do servidor).",
        },
        call_args: Text {
            en: "[DEADLINE_MS] (e.g. 2000; their server fails 2 calls of every 3)",
            pt: "[DEADLINE_MS] (por exemplo 2000; o servidor do colega falha 2 de cada 3 chamadas)",
        },
    },
    Exercise {
        number: 14,
        file: "workshop/exercises/14_propagation.rs",
        title: Text {
            en: "deadline propagation through a relay",
            pt: "propagação do deadline por um relay",
        },
        goal: Text {
            en: "A relay passes each call on to a backend with what is left of its caller's deadline, and awaits it in the handler, so that the backend stops when the caller gives up.",
            pt: "Um relay repassa cada chamada a um backend com o que resta do deadline de quem o chamou, e espera por ela no handler, para que o backend pare quando quem chamou desistir.",
        },
        hint: Text {
            en: "\
When the call arrives, before anything else:
    let deadline = request.metadata().get(\"grpc-timeout\")
        .and_then(|v| parse_grpc_timeout(v.as_bytes()))
        .and_then(|timeout| Instant::now().checked_add(timeout));
Then `let mut outgoing = Request::new(request.into_inner());` and, if
there is a deadline, `outgoing.set_timeout(left)` with
`deadline.saturating_duration_since(Instant::now())
.saturating_sub(REPLY_MARGIN)` (DEADLINE_EXCEEDED at once if that is
zero). Call `self.backend.clone().work(outgoing).await?` right there in the
handler: when the caller gives up, tonic drops the handler, the call inside
it is dropped too, and the backend is told. A tokio::spawn would outlive it.
topics/propagation/src/relay.rs and deadline.rs do the same.",
            pt: "\
Quando a chamada chega, antes de qualquer outra coisa:
    let deadline = request.metadata().get(\"grpc-timeout\")
        .and_then(|v| parse_grpc_timeout(v.as_bytes()))
        .and_then(|timeout| Instant::now().checked_add(timeout));
Depois `let mut outgoing = Request::new(request.into_inner());` e, se
houver deadline, `outgoing.set_timeout(left)` com
`deadline.saturating_duration_since(Instant::now())
.saturating_sub(REPLY_MARGIN)` (DEADLINE_EXCEEDED na hora se der zero).
Chame `self.backend.clone().work(outgoing).await?` ali mesmo, no handler:
quando quem chamou desiste, o tonic descarta o handler, a chamada dentro
dele é descartada junto, e o backend fica sabendo. Um tokio::spawn viveria
mais que ele.
topics/propagation/src/relay.rs e deadline.rs fazem o mesmo.",
        },
        call_args: Text {
            en: "[STEPS] [TIMEOUT_MS] (e.g. 10 300)",
            pt: "[PASSOS] [TIMEOUT_MS] (por exemplo 10 300)",
        },
    },
    Exercise {
        number: 15,
        file: "workshop/exercises/15_registry.rs",
        title: Text {
            en: "a registry in etcd",
            pt: "um registry no etcd",
        },
        goal: Text {
            en: "A server announces itself in etcd (a lease with a TTL, kept alive, its address under a key prefix, revoked when it stops); a client lists the prefix at each call and reaches a registered server that answers, never one that went away.",
            pt: "Um servidor se anuncia no etcd (um lease com TTL, mantido vivo, o endereço dele sob um prefixo de chave, revogado quando ele para); um cliente lista o prefixo a cada chamada e chega a um servidor registrado que responde, nunca a um que foi embora.",
        },
        hint: Text {
            en: "\
announce: `let lease = gateway.grant(TTL.as_secs()).await?;` then
`gateway.put(&format!(\"{PREFIX}{addr}\"), &addr.to_string(), lease).await?;`
(the key lives as long as the lease). Then keep the lease alive in a task
of its own, or announce never returns:
    let renewer = gateway.clone();
    let keep_alive = tokio::spawn(async move { loop {
        tokio::time::sleep(TTL / 3).await;
        if let Ok(false) = renewer.keep_alive(lease).await { break; }
    }});
withdraw: `self.keep_alive.abort();` then
`self.gateway.revoke(self.lease).await` (etcd deletes the key at once).
call_registered: `let (entries, _) = gateway.list(PREFIX).await` (map
its error to Status::unavailable); for each entry, `connect(&entry.value)`;
on Err, or a call that answers UNAVAILABLE, `continue` to the next (a
killed server's key stays until its lease runs out). Return the first
reply's message; after the loop, Err(Status::unavailable(..)).
etcd-registry/src/announce.rs does the same, and more.",
            pt: "\
announce: `let lease = gateway.grant(TTL.as_secs()).await?;` e depois
`gateway.put(&format!(\"{PREFIX}{addr}\"), &addr.to_string(), lease).await?;`
(a chave vive enquanto o lease viver). Depois mantenha o lease vivo numa
tarefa própria, senão o announce nunca retorna:
    let renewer = gateway.clone();
    let keep_alive = tokio::spawn(async move { loop {
        tokio::time::sleep(TTL / 3).await;
        if let Ok(false) = renewer.keep_alive(lease).await { break; }
    }});
withdraw: `self.keep_alive.abort();` e depois
`self.gateway.revoke(self.lease).await` (o etcd apaga a chave na hora).
call_registered: `let (entries, _) = gateway.list(PREFIX).await` (converta
o erro em Status::unavailable); para cada entrada, `connect(&entry.value)`;
se der Err, ou a chamada responder UNAVAILABLE, `continue` para a próxima
(a chave de um servidor morto fica até o lease acabar). Devolva a mensagem
da primeira resposta; depois do laço, Err(Status::unavailable(..)).
etcd-registry/src/announce.rs faz o mesmo, e mais.",
        },
        call_args: Text {
            en: "(none: exercise 15 has no serve or call; check 15 runs it against an etcd)",
            pt: "(nenhum: o exercício 15 não tem serve nem call; o check 15 o roda contra um etcd)",
        },
    },
    Exercise {
        number: 16,
        file: "workshop/exercises/16_trace_context.rs",
        title: Text {
            en: "observability: a traceparent carried on",
            pt: "observabilidade: um traceparent levado adiante",
        },
        goal: Text {
            en: "A relay reads the incoming traceparent (W3C Trace Context), checks it, and calls the next hop with the same trace id, a new parent id of its own and the same flags; a malformed one, or none, starts a new trace.",
            pt: "Um relay lê o traceparent que chega (W3C Trace Context), confere-o e chama o próximo salto com o mesmo trace id, um parent id novo, próprio, e as mesmas flags; um malformado, ou nenhum, começa um trace novo.",
        },
        hint: Text {
            en: "\
parse: `let fields: Vec<&str> = header.split('-').collect();` then
`let [\"00\", trace, parent, flags] = fields[..] else { return None };`.
Each field must have its exact width (32, 16, 2) and only 0-9 a-f:
`field.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))`
(from_str_radix alone takes uppercase too). Then
`u128::from_str_radix(trace, 16).ok()?`, and None if an id is 0.
new_trace: `(u128::from(random_id()) << 64) | u128::from(random_id())`,
random_id(), SAMPLED. child: `TraceParent { parent_id: random_id(), ..*self }`.
fmt: `write!(f, \"00-{:032x}-{:016x}-{:02x}\", ...)`: the widths keep the
leading zeros.
hop: `request.metadata().get(TRACEPARENT)`, `.and_then(|v| v.to_str().ok())`,
`.and_then(TraceParent::parse)`; then `match` it: Some(parent) =>
parent.child(), None => TraceParent::new_trace(). Insert
`MetadataValue::try_from(traceparent.to_string())` into the outgoing
request's metadata, and `self.next.clone().hop(outgoing).await?`.
topics/observability/src/traceparent.rs does it with OpenTelemetry.",
            pt: "\
parse: `let fields: Vec<&str> = header.split('-').collect();` e depois
`let [\"00\", trace, parent, flags] = fields[..] else { return None };`.
Cada campo precisa ter a largura exata (32, 16, 2) e só 0-9 a-f:
`field.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))`
(o from_str_radix sozinho aceita maiúsculas também). Depois
`u128::from_str_radix(trace, 16).ok()?`, e None se um id for 0.
new_trace: `(u128::from(random_id()) << 64) | u128::from(random_id())`,
random_id(), SAMPLED. child: `TraceParent { parent_id: random_id(), ..*self }`.
fmt: `write!(f, \"00-{:032x}-{:016x}-{:02x}\", ...)`: as larguras mantêm
os zeros à esquerda.
hop: `request.metadata().get(TRACEPARENT)`, `.and_then(|v| v.to_str().ok())`,
`.and_then(TraceParent::parse)`; depois um `match`: Some(parent) =>
parent.child(), None => TraceParent::new_trace(). Insira
`MetadataValue::try_from(traceparent.to_string())` nos metadados da
requisição que sai, e `self.next.clone().hop(outgoing).await?`.
topics/observability/src/traceparent.rs faz isso com o OpenTelemetry.",
        },
        call_args: Text {
            en: "[TRACEPARENT] (e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, or none)",
            pt: "[TRACEPARENT] (por exemplo 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, ou none)",
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercises_are_numbered_in_order_and_files_match() {
        for (index, exercise) in EXERCISES.iter().enumerate() {
            assert_eq!(usize::from(exercise.number), index + 1);
            let prefix = format!("workshop/exercises/{:02}_", exercise.number);
            assert!(exercise.file.starts_with(&prefix), "{}", exercise.file);
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("exercises")
                .join(exercise.file_name());
            assert!(path.exists(), "{} is missing", path.display());
        }
    }

    #[test]
    fn next_is_the_lowest_number_not_done() {
        assert_eq!(next(|_| false), Some(1));
        assert_eq!(next(|n| [1, 2, 3, 5].contains(&n)), Some(4));
        assert_eq!(next(|n| n != 10), Some(10));
        assert_eq!(next(|_| true), None);
    }
}
