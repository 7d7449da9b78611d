//! What the checks say: the steps that work (`[ok] ...`), and for each
//! likely mistake the words that name its cause. Each message: its name,
//! the English, then the Portuguese. `{TOKEN}` and `{pid}` inside code
//! are not placeholders anyone fills: they show as written.

use super::texts;

texts! {
    // Shared by every check.
    OK:
        "[ok]"
        "[ok]";
    EXPECTED:
        "{what}: expected {expected}, received {received}"
        "{what}: esperado {expected}, recebido {received}";
    FAILED:
        "{what} failed: {status}"
        "{what} falhou: {status}";
    NO_REPLY:
        "{what}: no reply within 2 s. Does the handler wait for something that never comes, or block the server's only thread?"
        "{what}: nenhuma resposta em 2 s. O handler espera por algo que nunca chega, ou bloqueia a única thread do servidor?";
    BLOCKING:
        "{what} took {together} ms together, about as long as one after the other ({alone} ms each): while one waited, the other could not run. Something blocks the server's only thread: std::thread::sleep (or any wait without .await) stops the whole thread, and every other call on it. Wait with tokio::time::sleep(..).await, which lets the other calls run meanwhile."
        "{what} levaram {together} ms juntas, mais ou menos o mesmo que uma depois da outra ({alone} ms cada): enquanto uma esperava, a outra não conseguia rodar. Algo bloqueia a única thread do servidor: std::thread::sleep (ou qualquer espera sem .await) para a thread inteira, e todas as outras chamadas que estão nela. Espere com tokio::time::sleep(..).await, que deixa as outras chamadas rodarem enquanto isso.";
    NO_RUNTIME:
        "cannot start a tokio runtime: {error}"
        "não foi possível iniciar um runtime do tokio: {error}";
    TIME_LIMIT:
        "the check did not finish within {seconds} s: something waits forever (a reply that never comes, a loop that never ends)"
        "a verificação não terminou em {seconds} s: algo espera para sempre (uma resposta que nunca chega, um laço que nunca termina)";
    TODO:
        "still to do: todo!() at {place}"
        "ainda falta: todo!() em {place}";
    TODO_WITH_TEXT:
        "still to do: todo!({what}) at {place}"
        "ainda falta: todo!({what}) em {place}";
    PANICKED:
        "the code panicked at {panic}"
        "o código entrou em pânico em {panic}";
    PANICKED_WHILE:
        "the code panicked at {panic}. What the check saw: {reason}"
        "o código entrou em pânico em {panic}. O que a verificação viu: {reason}";
    CANNOT_LISTEN:
        "cannot listen on 127.0.0.1: {error}"
        "não foi possível escutar em 127.0.0.1: {error}";
    CANNOT_CONNECT:
        "cannot connect to the check's server at {addr}: {error}"
        "não foi possível conectar ao servidor da verificação em {addr}: {error}";

    // Exercise 1
    E01_OK_PROTO:
        "workshop.proto declares say_goodbye (GoodbyeRequest) returns (GoodbyeReply)"
        "o workshop.proto declara say_goodbye (GoodbyeRequest) returns (GoodbyeReply)";
    E01_NO_SERVICE:
        "workshop/proto/workshop.proto no longer has package workshop and service Greeter: put back what the starter had (cargo run -p workshop -- reset 1 keeps yours as .bak)"
        "o workshop/proto/workshop.proto não tem mais o package workshop e o service Greeter: devolva o que o arquivo inicial tinha (cargo run -p workshop -- reset 1 guarda o seu como .bak)";
    E01_NO_RPC:
        "service Greeter in workshop/proto/workshop.proto has no rpc say_goodbye yet: add `rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);` beside say_hello"
        "o service Greeter em workshop/proto/workshop.proto ainda não tem o rpc say_goodbye: acrescente `rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);` ao lado do say_hello";
    E01_RPC_NAME_STYLE:
        "service Greeter declares {name}, but the rpc is called say_goodbye, in snake_case like say_hello: the name is part of every call's path (/workshop.Greeter/say_goodbye), so a client asking for say_goodbye would get UNIMPLEMENTED"
        "o service Greeter declara {name}, mas o rpc se chama say_goodbye, em snake_case como o say_hello: o nome faz parte do caminho de cada chamada (/workshop.Greeter/say_goodbye), então um cliente que pede say_goodbye receberia UNIMPLEMENTED";
    E01_REQUEST_TYPE:
        "say_goodbye takes a {declared}; the exercise has it take a GoodbyeRequest: rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);"
        "o say_goodbye recebe um {declared}; o exercício pede que ele receba um GoodbyeRequest: rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);";
    E01_REPLY_TYPE:
        "say_goodbye returns a {declared}; the exercise has it return a GoodbyeReply: rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);"
        "o say_goodbye devolve um {declared}; o exercício pede que ele devolva um GoodbyeReply: rpc say_goodbye (GoodbyeRequest) returns (GoodbyeReply);";
    E01_NO_MESSAGE:
        "workshop.proto has no message {message} yet: declare it below the services, as `message {message} { string {field} = 1; }`"
        "o workshop.proto ainda não tem a message {message}: declare-a abaixo dos services, como `message {message} { string {field} = 1; }`";
    E01_FIELD:
        "message {message} needs the field `string {field} = 1;`: the check sends and reads field number 1 as a string, and the number, not the name, is what travels"
        "a message {message} precisa do campo `string {field} = 1;`: a verificação envia e lê o campo número 1 como string, e é o número, não o nome, que viaja";
    E01_UNIMPLEMENTED:
        "the server answers UNIMPLEMENTED to say_goodbye: that is the generated code's default. Write `async fn say_goodbye` in `impl Greeter for GreeterService`"
        "o servidor responde UNIMPLEMENTED ao say_goodbye: essa é a resposta padrão do código gerado. Escreva o `async fn say_goodbye` dentro de `impl Greeter for GreeterService`";
    E01_SERVER_SAYS_HELLO:
        "the server's say_goodbye(\"Ada\") answers \"Hello, Ada!\": copied from say_hello with its text kept; answer \"Goodbye, Ada!\""
        "o say_goodbye(\"Ada\") do servidor responde \"Hello, Ada!\": foi copiado do say_hello e manteve o texto; responda \"Goodbye, Ada!\"";
    E01_SERVER_REPLY:
        "the server's reply to say_goodbye(\"Ada\")"
        "a resposta do servidor a say_goodbye(\"Ada\")";
    E01_OK_SERVER:
        "the server answers say_goodbye(\"Ada\") with \"Goodbye, Ada!\""
        "o servidor responde say_goodbye(\"Ada\") com \"Goodbye, Ada!\"";
    E01_CLIENT_CALLS_HELLO:
        "the client's say_goodbye(\"Grace\") returned \"Hello, Grace!\": it calls say_hello; call client.say_goodbye(GoodbyeRequest { .. })"
        "o say_goodbye(\"Grace\") do cliente devolveu \"Hello, Grace!\": ele chama o say_hello; chame client.say_goodbye(GoodbyeRequest { .. })";
    E01_CLIENT_REPLY:
        "what the client's say_goodbye(\"Grace\") returns"
        "o que o say_goodbye(\"Grace\") do cliente devolve";
    E01_OK_CLIENT:
        "the client's say_goodbye(\"Grace\") returns \"Goodbye, Grace!\""
        "o say_goodbye(\"Grace\") do cliente devolve \"Goodbye, Grace!\"";

    // Exercise 2
    E02_GOOD_PID_REFUSED:
        "check_pid(42) was refused ({status}): only a pid <= 0 is invalid, and 42 must be accepted"
        "check_pid(42) foi recusado ({status}): só um pid <= 0 é inválido, e 42 precisa ser aceito";
    E02_OK_ACCEPTED:
        "check_pid(42) is accepted: {reply}"
        "check_pid(42) é aceito: {reply}";
    E02_ZERO_ACCEPTED:
        "check_pid(0) was accepted: zero is not a valid pid either. Refuse pid <= 0, not only pid < 0"
        "check_pid(0) foi aceito: zero também não é um pid válido. Recuse pid <= 0, e não só pid < 0";
    E02_BAD_PID_ACCEPTED:
        "check_pid({pid}) was accepted ({reply}): a pid <= 0 must fail with INVALID_ARGUMENT: return Err(Status::invalid_argument(...)) before the reply"
        "check_pid({pid}) foi aceito ({reply}): um pid <= 0 precisa falhar com INVALID_ARGUMENT: devolva Err(Status::invalid_argument(...)) antes da resposta";
    E02_WRONG_CODE:
        "check_pid({pid}) failed with {status}, but the code that means \"your request is wrong, do not retry it\" is INVALID_ARGUMENT: Status::invalid_argument(...)"
        "check_pid({pid}) falhou com {status}, mas o código que quer dizer \"a sua requisição está errada, não adianta repetir\" é INVALID_ARGUMENT: Status::invalid_argument(...)";
    E02_NO_PID_IN_MESSAGE:
        "check_pid({pid}) gives INVALID_ARGUMENT, but its message should say which pid it received ({pid}), so that the caller sees what to fix; it says {message}"
        "check_pid({pid}) dá INVALID_ARGUMENT, mas a mensagem deveria dizer qual pid recebeu ({pid}), para quem chamou ver o que corrigir; ela diz {message}";
    E02_OK_REFUSED:
        "check_pid(-5) and check_pid(0) fail with INVALID_ARGUMENT: {message}"
        "check_pid(-5) e check_pid(0) falham com INVALID_ARGUMENT: {message}";
    E02_DEBUG_CODE:
        "the client's line for pid -5 is {line}: InvalidArgument is tonic's Debug name for the code. Print crate::code_name(status.code()), which writes INVALID_ARGUMENT, as every gRPC implementation does"
        "a linha do cliente para o pid -5 é {line}: InvalidArgument é o nome de Debug do tonic para o código. Imprima crate::code_name(status.code()), que escreve INVALID_ARGUMENT, como toda implementação de gRPC";
    E02_CLIENT_LINE:
        "the client's line for pid -5 should show the code INVALID_ARGUMENT and the server's message (\"error: CODE: message\"); it is {line}"
        "a linha do cliente para o pid -5 deveria mostrar o código INVALID_ARGUMENT e a mensagem do servidor (\"error: CODE: message\"); ela é {line}";
    E02_OK_CLIENT_LINE:
        "the client prints {line}"
        "o cliente imprime {line}";
    E02_CLIENT_42:
        "the client's line for pid 42 (the reply's message)"
        "a linha do cliente para o pid 42 (a mensagem da resposta)";
    E02_OK_CLIENT_42:
        "and for pid 42, the reply's message"
        "e, para o pid 42, a mensagem da resposta";

    // Exercise 3
    E03_NO_STREAM:
        "{what}: no reply within 2 s: the handler has not returned its stream. Return it at once and send the ticks from a spawned task: a handler that sends them itself, before returning, waits forever once the channel is full"
        "{what}: nenhuma resposta em 2 s: o handler não devolveu o stream. Devolva-o na hora e envie os ticks de uma tarefa criada com spawn: um handler que envia os ticks ele mesmo, antes de retornar, espera para sempre assim que o canal enche";
    E03_NO_TICK:
        "{what}: after {ticks}, no tick within 2 s: does the task wait more than interval_ms between ticks, or stop before 1?"
        "{what}: depois de {ticks}, nenhum tick em 2 s: a tarefa espera mais que interval_ms entre os ticks, ou para antes do 1?";
    E03_NO_END:
        "{what}: the ticks {ticks} came, but the stream did not end: when the countdown is over, the task must end, and its end (tx dropped) ends the stream"
        "{what}: os ticks {ticks} chegaram, mas o stream não terminou: quando a contagem acaba, a tarefa precisa terminar, e o fim dela (o tx descartado) encerra o stream";
    E03_TO_ZERO:
        "the countdown from 4 sent {ticks}: it stops at 1, not 0; (1..=from).rev() gives from, ..., 1"
        "a contagem a partir de 4 enviou {ticks}: ela para no 1, não no 0; (1..=from).rev() dá from, ..., 1";
    E03_COUNTS_UP:
        "the countdown from 4 sent {ticks}: it counts up; count down, from `from` to 1: (1..=from).rev()"
        "a contagem a partir de 4 enviou {ticks}: ela está subindo; conte para baixo, de `from` até 1: (1..=from).rev()";
    E03_TICKS:
        "the ticks of countdown(from: 4)"
        "os ticks de countdown(from: 4)";
    E03_TOO_FAST:
        "the ticks came too fast: 4 ticks 50 ms apart take at least 150 ms, yours took {ms} ms; wait interval_ms between ticks (tokio::time::sleep(interval).await)"
        "os ticks chegaram rápido demais: 4 ticks com 50 ms entre eles levam pelo menos 150 ms, os seus levaram {ms} ms; espere interval_ms entre os ticks (tokio::time::sleep(interval).await)";
    E03_OK_TICKS:
        "countdown(from 4, 50 ms apart) sends 4, 3, 2, 1 in {ms} ms"
        "countdown(from 4, 50 ms entre ticks) envia 4, 3, 2, 1 em {ms} ms";
    E03_TWO_COUNTDOWNS:
        "two countdowns at once (from 3, 150 ms apart)"
        "duas contagens ao mesmo tempo (from 3, 150 ms entre ticks)";
    E03_OK_NOT_BLOCKING:
        "two countdowns at once overlap ({ms} ms for both): nothing blocks the server's thread"
        "duas contagens ao mesmo tempo se sobrepõem ({ms} ms para as duas): nada bloqueia a thread do servidor";
    E03_WAITS_BEFORE_FIRST:
        "the first tick came {ms} ms after the call; it should come at once: send the first tick, then wait between ticks, not before the first"
        "o primeiro tick chegou {ms} ms depois da chamada; ele deveria vir na hora: envie o primeiro tick e depois espere entre os ticks, não antes do primeiro";
    E03_ALL_AT_ONCE:
        "the ticks of countdown(from: 2, interval_ms: 300) all came together, {ms} ms after the call: the handler sends them before it returns the stream, and the client gets nothing until the end. Return the stream at once, and send the ticks from a spawned task"
        "os ticks de countdown(from: 2, interval_ms: 300) chegaram todos juntos, {ms} ms depois da chamada: o handler os envia antes de devolver o stream, e o cliente não recebe nada até o fim. Devolva o stream na hora e envie os ticks de uma tarefa criada com spawn";
    E03_WAITS_AFTER_LAST:
        "the stream ended {ms} ms after the last tick: the task still waited after it. Wait only between ticks, so that the call ends as soon as the countdown does"
        "o stream terminou {ms} ms depois do último tick: a tarefa ainda esperou depois dele. Espere só entre os ticks, para que a chamada termine assim que a contagem terminar";
    E03_OK_RHYTHM:
        "the first tick comes at once, and the stream ends right after the last"
        "o primeiro tick vem na hora, e o stream termina logo depois do último";
    E03_RUNS_ON:
        "the client left after 2 ticks, but the server's task went on counting down: stop when `send` fails (it fails once the client is gone)"
        "o cliente saiu depois de 2 ticks, mas a tarefa do servidor continuou contando: pare quando o `send` falhar (ele falha assim que o cliente vai embora)";
    E03_OK_STOPS:
        "when the client leaves, the server stops counting down"
        "quando o cliente sai, o servidor para de contar";
    E03_SLEEPS_ON:
        "the client left during a {seconds} s wait between ticks, and the server's task slept on: it would notice only at its next send. While waiting, watch tx.closed() too: tokio::select! { () = tokio::time::sleep(interval) => {} () = tx.closed() => break }"
        "o cliente saiu no meio de uma espera de {seconds} s entre ticks, e a tarefa do servidor continuou dormindo: ela só perceberia no próximo send. Enquanto espera, fique de olho também em tx.closed(): tokio::select! { () = tokio::time::sleep(interval) => {} () = tx.closed() => break }";
    E03_OK_CLOSED:
        "when the client leaves during a long wait, the server stops at once (tx.closed())"
        "quando o cliente sai no meio de uma espera longa, o servidor para na hora (tx.closed())";

    // Exercise 4
    E04_SERVER_NO_REPLY:
        "{what}: no reply within 2 s, although the check's stream had ended (half-closed): the handler should stop reading when message() gives None, and reply then. (Or it blocks the server's only thread: wait with .await, never block_on.)"
        "{what}: nenhuma resposta em 2 s, embora o stream da verificação já tivesse terminado (half-close): o handler deveria parar de ler quando message() der None, e responder aí. (Ou ele bloqueia a única thread do servidor: espere com .await, nunca com block_on.)";
    E04_EMPTY_IS_ERROR:
        "summarize([]) failed with {status}: an empty stream is not an error; with no numbers, reply Summary::default(), all zeros"
        "summarize([]) falhou com {status}: um stream vazio não é um erro; sem números, responda Summary::default(), tudo zero";
    E04_NAN_MEAN:
        "{what} gives a mean of NaN: that is 0.0 / 0.0. Compute the mean only when count > 0"
        "{what} dá uma média NaN: isso é 0.0 / 0.0. Calcule a média só quando count > 0";
    E04_STARTED_AT_ZERO:
        "{what} gives {received}: min or max is 0, a number that was never sent. They started at 0; start min and max from the first number"
        "{what} dá {received}: o mínimo ou o máximo é 0, um número que nunca foi enviado. Eles começaram em 0; comece o mínimo e o máximo pelo primeiro número";
    E04_OK_CASE:
        "{what} gives {summary}"
        "{what} dá {summary}";
    E04_TWO_SUMMARIES:
        "two summarize calls at once (each streaming 3 numbers {gap} ms apart)"
        "duas chamadas summarize ao mesmo tempo (cada uma enviando 3 números com {gap} ms entre eles)";
    E04_TWO_STUCK:
        "{what}: no reply within 2 s. While one handler waits for its next number, the other must be able to run: wait with .await (numbers.message().await), never by blocking the server's only thread (std::thread::sleep, futures::executor::block_on)"
        "{what}: nenhuma resposta em 2 s. Enquanto um handler espera o próximo número, o outro precisa conseguir rodar: espere com .await (numbers.message().await), nunca bloqueando a única thread do servidor (std::thread::sleep, futures::executor::block_on)";
    E04_OK_TWO_AT_ONCE:
        "two calls at once, streaming slowly, overlap ({ms} ms for both)"
        "duas chamadas ao mesmo tempo, enviando devagar, se sobrepõem ({ms} ms para as duas)";
    E04_CLIENT_NO_HALF_CLOSE:
        "the client's summarize got no summary within 2 s: the server is still waiting for more numbers, because the request stream has not ended. A tokio_stream::iter stream ends after its last item; if summarize sends through a channel, drop the sender after the last number to half-close"
        "o summarize do cliente não recebeu resumo em 2 s: o servidor ainda espera mais números, porque o stream da requisição não terminou. Um stream de tokio_stream::iter termina depois do último item; se o summarize envia por um canal, descarte o sender (drop) depois do último número para fazer o half-close";
    E04_CLIENT_SUMMARY:
        "the client's summarize(vec![10.0, 20.0])"
        "o summarize(vec![10.0, 20.0]) do cliente";
    E04_OK_CLIENT:
        "the client streams its numbers and gets the summary"
        "o cliente envia os números em stream e recebe o resumo";

    // Exercise 5
    E05_HANDLER_NEVER_RETURNS:
        "{name} called chat and got no reply stream within 2 s: the handler has not returned. Does it read the client's messages itself (a loop over incoming.message())? That loop ends only when the client leaves. Read them in a spawned task, and return the room's stream at once"
        "{name} chamou chat e não recebeu stream de resposta em 2 s: o handler não retornou. Ele mesmo lê as mensagens do cliente (um laço sobre incoming.message())? Esse laço só termina quando o cliente sai. Leia-as numa tarefa criada com spawn e devolva o stream da sala na hora";
    E05_CALL_GONE:
        "{name}'s call ended before {name} could speak"
        "a chamada de {name} terminou antes que {name} pudesse falar";
    E05_OWN_NOT_HEARD:
        "{listener} did not hear their own message {text} within 2 s: every member hears every message, their own included. Either the message never reached the room (does the spawned task send what it reads to the room?), or this client's stream is not the room's (subscribe first, and do not filter out the sender)"
        "{listener} não ouviu a própria mensagem {text} em 2 s: cada membro ouve todas as mensagens, inclusive as suas. Ou a mensagem nunca chegou à sala (a tarefa criada com spawn envia à sala o que lê?), ou o stream deste cliente não é o da sala (assine primeiro, e não filtre quem enviou)";
    E05_LATER_NOT_HEARD:
        "{listener} did not hear {speaker}'s {text} within 2 s, though {speaker}'s first message arrived: does the task that reads {speaker}'s messages loop (while let Ok(Some(message)) = ...) rather than read just one?"
        "{listener} não ouviu {text} de {speaker} em 2 s, embora a primeira mensagem de {speaker} tenha chegado: a tarefa que lê as mensagens de {speaker} faz um laço (while let Ok(Some(message)) = ...) em vez de ler só uma?";
    E05_NOT_HEARD:
        "{listener} did not hear {speaker}'s {text} within 2 s: does every call subscribe to the same room (self.room), and does the room's stream reach each client? (Or something blocks the server's only thread.)"
        "{listener} não ouviu {text} de {speaker} em 2 s: todas as chamadas assinam a mesma sala (self.room), e o stream da sala chega a cada cliente? (Ou algo bloqueia a única thread do servidor.)";
    E05_WAITING:
        "{listener} waiting for {speaker}'s {text}"
        "{listener} esperando {text} de {speaker}";
    E05_CALL_ENDED:
        "{what}: the server ended the call. A member's stream is the room's (a receiver of self.room.subscribe()), and lasts as long as the member stays"
        "{what}: o servidor encerrou a chamada. O stream de um membro é o da sala (um receptor de self.room.subscribe()), e dura enquanto ele estiver na sala";
    E05_ENDED_WHEN_ONE_LEFT:
        "{left} left, and {listener}'s call ended with it ({how}): one client leaving must not end the others' calls. When a client leaves, only its own reader task and stream should end"
        "{left} saiu, e a chamada de {listener} terminou junto ({how}): um cliente que sai não pode encerrar as chamadas dos outros. Quando um cliente sai, só a tarefa de leitura e o stream dele devem terminar";
    E05_HEARS_NEXT:
        "what {name} hears next"
        "o que {name} ouve em seguida";
    E05_OK_TWO:
        "ana hears bruno, and each hears their own message"
        "ana ouve bruno, e cada um ouve a própria mensagem";
    E05_OK_THREE:
        "a message from carla reaches all three"
        "uma mensagem de carla chega aos três";
    E05_OK_LEFT:
        "carla left; ana and bruno chat on undisturbed"
        "carla saiu; ana e bruno continuam conversando sem problema";

    // Exercise 6
    E06_TWO_ECHOES:
        "two echo_after calls at once (200 ms each)"
        "duas chamadas echo_after ao mesmo tempo (200 ms cada)";
    E06_SERVER_IS_GIVEN:
        "The server of this exercise is given: it came with tokio::time::sleep(..).await; put that back."
        "O servidor deste exercício já vem pronto: ele usava tokio::time::sleep(..).await; volte a usá-lo.";
    E06_IN_TURN:
        "all_at_once took {ms} ms, the sum of the three delays ({sum} ms), and returned the replies in the order sent: the calls ran one after the other. Start them all before awaiting any: one future per call in a FuturesUnordered, then collect"
        "o all_at_once levou {ms} ms, a soma das três esperas ({sum} ms), e devolveu as respostas na ordem de envio: as chamadas rodaram uma depois da outra. Inicie todas antes de esperar qualquer uma: um future por chamada num FuturesUnordered, e depois recolha";
    E06_ORDER_SENT:
        "all_at_once ran the calls at once ({ms} ms, less than the {sum} ms of all three delays), but returned the replies in the order sent, not the order they completed: join_all and try_join_all keep the order sent. FuturesUnordered yields each reply as soon as it is ready"
        "o all_at_once rodou as chamadas ao mesmo tempo ({ms} ms, menos que os {sum} ms das três esperas), mas devolveu as respostas na ordem de envio, e não na ordem em que terminaram: join_all e try_join_all mantêm a ordem de envio. O FuturesUnordered entrega cada resposta assim que ela fica pronta";
    E06_FASTEST_FIRST:
        "the replies of all_at_once, fastest first"
        "as respostas do all_at_once, a mais rápida primeiro";
    E06_IN_ORDER:
        "the replies of one_after_another"
        "as respostas do one_after_another";
    E06_OK:
        "all at once: fast, medium, slow in {at_once} ms; one after another: {in_turn} ms"
        "todas de uma vez: fast, medium, slow em {at_once} ms; uma após a outra: {in_turn} ms";

    // Exercise 7
    E07_SHORT_CALL:
        "work_with_deadline(2 steps, deadline 2 s)"
        "work_with_deadline(2 passos, deadline de 2 s)";
    E07_OK_SHORT:
        "work(2 steps) with a deadline of 2 s: \"done: 2 steps\""
        "work(2 passos) com deadline de 2 s: \"done: 2 steps\"";
    E07_TWO_WORKS:
        "two work calls at once ({steps} steps of 50 ms each)"
        "duas chamadas work ao mesmo tempo ({steps} passos de 50 ms cada)";
    E07_OK_NOT_BLOCKING:
        "two work calls at once overlap ({ms} ms for both): the steps wait without blocking"
        "duas chamadas work ao mesmo tempo se sobrepõem ({ms} ms para as duas): os passos esperam sem bloquear";
    E07_NO_ANSWER:
        "nothing"
        "nada";
    E07_NO_DEADLINE:
        "work(40 steps: 2 s of work) with a deadline of 200 ms returned {line} after {ms} ms: the call had no deadline. Set it on the request: request.set_timeout(timeout)"
        "work(40 passos: 2 s de trabalho) com deadline de 200 ms devolveu {line} depois de {ms} ms: a chamada não tinha deadline. Defina-o na requisição: request.set_timeout(timeout)";
    E07_CANCELLED_NOT_MAPPED:
        "work(40 steps) with a deadline of 200 ms gave {line}: that CANCELLED \"Timeout expired\" is tonic's own timer on the client saying the deadline passed. Report it as DEADLINE_EXCEEDED too"
        "work(40 passos) com deadline de 200 ms deu {line}: esse CANCELLED \"Timeout expired\" é o próprio timer do tonic no cliente dizendo que o deadline estourou. Informe-o também como DEADLINE_EXCEEDED";
    E07_NOT_REPORTED:
        "work(40 steps) with a deadline of 200 ms should report DEADLINE_EXCEEDED; the client's line is {line}"
        "work(40 passos) com deadline de 200 ms deveria informar DEADLINE_EXCEEDED; a linha do cliente é {line}";
    E07_DEADLINE_NOT_SENT:
        "the client reported DEADLINE_EXCEEDED, but its request carried no deadline (no grpc-timeout header): the client gave up on its own, and the server never knew the deadline, so it cannot stop on time by itself, nor pass the deadline on to the services it calls. Put the deadline on the request: request.set_timeout(timeout)"
        "o cliente informou DEADLINE_EXCEEDED, mas a requisição não levava deadline (nenhum header grpc-timeout): o cliente desistiu por conta própria, e o servidor nunca soube do deadline, então não consegue parar na hora sozinho, nem repassar o deadline aos serviços que ele chama. Coloque o deadline na requisição: request.set_timeout(timeout)";
    E07_OK_DEADLINE:
        "work(40 steps) with a deadline of 200 ms: {line}, and the deadline travelled with the request"
        "work(40 passos) com deadline de 200 ms: {line}, e o deadline viajou junto com a requisição";
    E07_WORKS_ON:
        "the caller gave up, but the server went on working: {then} steps done, then {now} {ms} ms later. tonic dropped the handler, but a spawned task belongs to no one and runs on: keep its JoinHandle in a guard whose Drop calls abort()"
        "quem chamou desistiu, mas o servidor continuou trabalhando: {then} passos feitos, e {now} {ms} ms depois. O tonic descartou o handler, mas uma tarefa criada com spawn não pertence a ninguém e continua rodando: guarde o JoinHandle dela numa guarda cujo Drop chama abort()";
    E07_OK_STOPS:
        "the server stopped working when its caller gave up"
        "o servidor parou de trabalhar quando quem chamou desistiu";

    // Exercise 8
    E08_NOT_ECHOED:
        "the server's response has no {key} metadata: read it from the request's metadata (before into_inner(), which keeps only the message) and insert it into the response's: response.metadata_mut().insert(...)"
        "a resposta do servidor não tem o metadado {key}: leia-o dos metadados da requisição (antes do into_inner(), que fica só com a mensagem) e insira-o nos da resposta: response.metadata_mut().insert(...)";
    E08_ECHOED_OTHER:
        "the server echoed {echoed}, not \"check-42\": echo the very value it received"
        "o servidor devolveu {echoed}, e não \"check-42\": devolva exatamente o valor recebido";
    E08_OK_ECHO:
        "the server echoes {key}: check-42"
        "o servidor devolve o {key}: check-42";
    E08_NO_ID_REFUSED:
        "a ping without a request id failed ({status}): the id is optional; echo it if there is one, and answer either way (no unwrap on metadata().get(REQUEST_ID))"
        "um ping sem id de requisição falhou ({status}): o id é opcional; devolva-o se houver, e responda de qualquer jeito (nada de unwrap no metadata().get(REQUEST_ID))";
    E08_OK_NO_ID:
        "a ping without a request id is answered too"
        "um ping sem id de requisição também é respondido";
    E08_CLIENT_GOT_NOTHING:
        "the client's ping_with_id(\"abc-123\") returned \"\": either it did not send the id under {key}, or it read the id from its request instead of the response's metadata (response.metadata().get(REQUEST_ID))"
        "o ping_with_id(\"abc-123\") do cliente devolveu \"\": ou ele não enviou o id sob {key}, ou leu o id da própria requisição em vez dos metadados da resposta (response.metadata().get(REQUEST_ID))";
    E08_CLIENT_ID:
        "the id the client got back"
        "o id que o cliente recebeu de volta";
    E08_OK_CLIENT:
        "the client sends abc-123 and reads it back"
        "o cliente envia abc-123 e o lê de volta";
    E08_CLIENT_PANICS:
        "ping_with_id(\"two\\nlines\") panicked: a line break cannot be in a header, so id.parse() fails, and an unwrap (or expect) on it panics. Turn the error into a status: .map_err(|_| Status::invalid_argument(...))?"
        "ping_with_id(\"two\\nlines\") entrou em pânico: uma quebra de linha não pode estar num header, então id.parse() falha, e um unwrap (ou expect) nele entra em pânico. Transforme o erro num status: .map_err(|_| Status::invalid_argument(...))?";
    E08_BAD_ID_CODE:
        "ping_with_id(\"two\\nlines\"): expected INVALID_ARGUMENT (the caller's id is wrong), received {status}"
        "ping_with_id(\"two\\nlines\"): esperado INVALID_ARGUMENT (o id de quem chamou está errado), recebido {status}";
    E08_BAD_ID_ACCEPTED:
        "ping_with_id(\"two\\nlines\") succeeded ({id}), but a line break cannot be a metadata value: return INVALID_ARGUMENT when id.parse() fails"
        "ping_with_id(\"two\\nlines\") funcionou ({id}), mas uma quebra de linha não pode ser valor de metadado: devolva INVALID_ARGUMENT quando id.parse() falhar";
    E08_OK_BAD_ID:
        "an id that cannot be a header value is INVALID_ARGUMENT, not a panic"
        "um id que não pode ser valor de header dá INVALID_ARGUMENT, e não pânico";

    // Exercise 9
    E09_WITHOUT_TOKEN:
        "without a token"
        "sem token";
    E09_WITH_HEADER:
        "with `authorization: {header}`"
        "com `authorization: {header}`";
    E09_NO_TOKEN_LET_IN:
        "a call without any authorization metadata got into the vault: refuse it with Status::unauthenticated(\"missing token...\")"
        "uma chamada sem metadado authorization nenhum entrou no cofre: recuse-a com Status::unauthenticated(\"missing token...\")";
    E09_WRONG_TOKEN_LET_IN:
        "a call with a wrong token (Bearer guess-123) got into the vault: compare the whole value with format!(\"Bearer {TOKEN}\")"
        "uma chamada com token errado (Bearer guess-123) entrou no cofre: compare o valor inteiro com format!(\"Bearer {TOKEN}\")";
    E09_BARE_TOKEN_LET_IN:
        "a call whose header is the bare token (no \"Bearer \") got into the vault: compare the whole value with format!(\"Bearer {TOKEN}\"), not whether it contains or ends with the token"
        "uma chamada cujo header é só o token (sem \"Bearer \") entrou no cofre: compare o valor inteiro com format!(\"Bearer {TOKEN}\"), e não se ele contém ou termina com o token";
    E09_WRONG_CODE:
        "a call {what} was refused with {status}; the code for \"who are you?\" is UNAUTHENTICATED (PERMISSION_DENIED means \"I know who you are, and you may not\")"
        "uma chamada {what} foi recusada com {status}; o código para \"quem é você?\" é UNAUTHENTICATED (PERMISSION_DENIED quer dizer \"sei quem você é, e você não pode\")";
    E09_ECHOES_TOKEN:
        "the refusal repeats the wrong token ({message}): never echo a token back; it may be a real secret meant for somewhere else"
        "a recusa repete o token errado ({message}): nunca devolva um token; ele pode ser um segredo de verdade destinado a outro lugar";
    E09_OK_REFUSED:
        "a call {what} is refused: {status}"
        "uma chamada {what} é recusada: {status}";
    E09_RIGHT_TOKEN_REFUSED:
        "a call with `authorization: {header}` was refused ({status}): the value is \"Bearer \" followed by the token; compare with format!(\"Bearer {TOKEN}\"), not with TOKEN alone"
        "uma chamada com `authorization: {header}` foi recusada ({status}): o valor é \"Bearer \" seguido do token; compare com format!(\"Bearer {TOKEN}\"), e não só com TOKEN";
    E09_VAULT_REPLY:
        "the vault's reply"
        "a resposta do cofre";
    E09_OK_LET_IN:
        "a call with `authorization: {header}` gets in"
        "uma chamada com `authorization: {header}` entra";
    E09_ATTACH_REFUSED:
        "a call through attach_token was refused ({status}): attach_token must insert `authorization: {header}`, \"Bearer \" included"
        "uma chamada pelo attach_token foi recusada ({status}): o attach_token precisa inserir `authorization: {header}`, com o \"Bearer \"";
    E09_OK_ATTACH:
        "the client's attach_token adds the token to its calls"
        "o attach_token do cliente acrescenta o token às chamadas";

    // Exercise 10
    E10_SERVE_FAILED:
        "serve_tls failed: {error}"
        "o serve_tls falhou: {error}";
    E10_CONNECT_FAILED:
        "connect_tls to your server failed: {error}"
        "o connect_tls para o seu servidor falhou: {error}";
    E10_FAILED_BECAUSE:
        "connect_tls to your server failed: {cause} (the error: {error})"
        "o connect_tls para o seu servidor falhou: {cause} (o erro: {error})";
    E10_CLIENT_DOES_NOT_TRUST_CA:
        "the client does not trust the certificate's issuer: give it the exercise's CA, ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert))"
        "o cliente não confia em quem emitiu o certificado: dê a ele a CA do exercício, ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_cert))";
    E10_WRONG_NAME:
        "the server's certificate does not carry the name the client expects: make_certificates names localhost, so .domain_name(\"localhost\")"
        "o certificado do servidor não traz o nome que o cliente espera: o make_certificates usa localhost, então .domain_name(\"localhost\")";
    E10_SERVER_NOT_TLS:
        "the server does not speak TLS: give its builder a TLS configuration, Server::builder().tls_config(ServerTlsConfig::new().identity(...))?"
        "o servidor não fala TLS: dê ao builder dele uma configuração TLS, Server::builder().tls_config(ServerTlsConfig::new().identity(...))?";
    E10_WHISPER_FAILED:
        "connect_tls connected, but a call over its channel failed ({status}): does connect_tls speak TLS? A client on http://, without Endpoint::tls_config(...), reaches the port but understands no answer: use https:// and the TLS configuration"
        "o connect_tls conectou, mas uma chamada pelo canal dele falhou ({status}): o connect_tls fala TLS? Um cliente em http://, sem Endpoint::tls_config(...), alcança a porta mas não entende resposta nenhuma: use https:// e a configuração TLS";
    E10_KEY_MISMATCH:
        "serve_tls failed: the identity's certificate and key do not belong together ({error}): Identity::from_pem(&certs.server_cert, &certs.server_key)"
        "o serve_tls falhou: o certificado e a chave da identidade não combinam ({error}): Identity::from_pem(&certs.server_cert, &certs.server_key)";
    E10_REPLY:
        "the reply over TLS"
        "a resposta por TLS";
    E10_OK_TLS:
        "connect_tls calls serve_tls over TLS, trusting the exercise's CA"
        "o connect_tls chama o serve_tls por TLS, confiando na CA do exercício";
    E10_PLAIN_ANSWERED:
        "a client without TLS got an answer: the server is not using TLS"
        "um cliente sem TLS recebeu resposta: o servidor não está usando TLS";
    E10_OK_PLAIN_REFUSED:
        "a client without TLS gets no answer"
        "um cliente sem TLS não recebe resposta";
    E10_OTHER_CA_ANSWERED:
        "a client that trusts another CA got an answer: the client must trust only the CA it is given"
        "um cliente que confia em outra CA recebeu resposta: o cliente precisa confiar só na CA que recebeu";
    E10_OK_OTHER_CA_REFUSED:
        "a client that trusts another CA is refused: the certificate is checked"
        "um cliente que confia em outra CA é recusado: o certificado é verificado";

    // Exercise 11
    E11_VALID_REFUSED:
        "a valid sign-up (name \"Ada\", email \"ada@example.org\", age {age}) was refused ({status}): {age} is the youngest age allowed, so the test is `age < MIN_AGE`, and a name and an email with '@' are all it takes"
        "um cadastro válido (name \"Ada\", email \"ada@example.org\", age {age}) foi recusado ({status}): {age} é a menor idade permitida, então o teste é `age < MIN_AGE`, e um nome e um email com '@' bastam";
    E11_WELCOME:
        "the reply to a valid sign-up"
        "a resposta a um cadastro válido";
    E11_OK_VALID:
        "a valid sign-up (age {age}, the youngest allowed) is welcomed"
        "um cadastro válido (idade {age}, a menor permitida) é aceito";
    E11_BAD_ACCEPTED:
        "a sign-up with {request} was accepted: refuse it with INVALID_ARGUMENT and a BadRequest naming the wrong field"
        "um cadastro com {request} foi aceito: recuse-o com INVALID_ARGUMENT e um BadRequest que nomeie o campo errado";
    E11_WRONG_CODE:
        "a sign-up with {request} was refused with {status}: a value the caller sent that is wrong whatever the server's state is INVALID_ARGUMENT"
        "um cadastro com {request} foi recusado com {status}: um valor errado enviado por quem chama, seja qual for o estado do servidor, é INVALID_ARGUMENT";
    E11_NO_DETAILS:
        "a sign-up with {request} was refused ({status}), but the status has no google.rpc.BadRequest in its details: the field is only in the message, which a program cannot rely on. Build the status with Status::with_error_details(Code::InvalidArgument, message, ErrorDetails::with_bad_request(violations))"
        "um cadastro com {request} foi recusado ({status}), mas o status não traz google.rpc.BadRequest nos detalhes: o campo está só na mensagem, e um programa não pode depender dela. Monte o status com Status::with_error_details(Code::InvalidArgument, mensagem, ErrorDetails::with_bad_request(violations))";
    E11_ONLY_FIRST:
        "a sign-up with {request} is wrong in three fields, but the BadRequest names only {fields}: collect every wrong field in the Vec, then refuse once, so that a form can mark them all at once"
        "um cadastro com {request} está errado em três campos, mas o BadRequest só nomeia {fields}: junte todos os campos errados no Vec e recuse uma vez só, para que um formulário possa marcar todos de uma vez";
    E11_WRONG_FIELDS:
        "a sign-up with {request}: the BadRequest's fields should be {expected}, and are {fields}. A violation's field is the proto's field name, exactly (name, email, age), so that the caller can match it to what it sent"
        "um cadastro com {request}: os campos do BadRequest deveriam ser {expected}, e são {fields}. O field de uma violação é o nome do campo no proto, exatamente (name, email, age), para que quem chama possa casá-lo com o que enviou";
    E11_OK_REFUSED:
        "{request}: INVALID_ARGUMENT, BadRequest on {fields}"
        "{request}: INVALID_ARGUMENT, BadRequest em {fields}";
    E11_CLIENT_IGNORES_DETAILS:
        "your client's sign_up, refused by a server whose message names no field (\"the sign-up was refused\") but whose BadRequest says email: must contain @, returned {line}: read the details, status.get_details_bad_request(), and print each violation, \"invalid: email (must contain @)\""
        "o sign_up do seu cliente, recusado por um servidor cuja mensagem não nomeia campo nenhum (\"the sign-up was refused\"), mas cujo BadRequest diz email: must contain @, devolveu {line}: leia os detalhes, status.get_details_bad_request(), e imprima cada violação, \"invalid: email (must contain @)\"";
    E11_OK_CLIENT_DETAILS:
        "the client reads the details: {line}"
        "o cliente lê os detalhes: {line}";
    E11_CLIENT_PLAIN:
        "your client's sign_up, refused with UNAVAILABLE and no details"
        "o sign_up do seu cliente, recusado com UNAVAILABLE e sem detalhes";
    E11_CLIENT_WELCOME:
        "your client's sign_up, welcomed"
        "o sign_up do seu cliente, aceito";
    E11_OK_CLIENT_OTHERS:
        "a failure without details is \"error: CODE: message\", and a welcome is the server's message"
        "uma falha sem detalhes vira \"error: CODE: message\", e uma aceitação é a mensagem do servidor";

    // Exercise 12
    E12_WITHOUT_ID:
        "without an x-request-id"
        "sem x-request-id";
    E12_WITH_ID:
        "with x-request-id {id}"
        "com x-request-id {id}";
    E12_LET_THROUGH:
        "a call {what} got through: require_request_id must refuse it with Status::invalid_argument, before the handler runs"
        "uma chamada {what} passou: o require_request_id precisa recusá-la com Status::invalid_argument, antes de o handler rodar";
    E12_UNAUTHENTICATED:
        "a call {what} was refused with UNAUTHENTICATED: that code asks \"who are you?\" (exercise 9). A missing request id is a request the caller got wrong: INVALID_ARGUMENT"
        "uma chamada {what} foi recusada com UNAUTHENTICATED: esse código pergunta \"quem é você?\" (exercício 9). Um id de requisição que falta é uma requisição errada de quem chama: INVALID_ARGUMENT";
    E12_WRONG_CODE:
        "a call {what} was refused with {status}; expected INVALID_ARGUMENT, the code for a request the caller got wrong"
        "uma chamada {what} foi recusada com {status}; esperado INVALID_ARGUMENT, o código de uma requisição errada de quem chama";
    E12_OK_REFUSED:
        "a call {what} is refused: {status}"
        "uma chamada {what} é recusada: {status}";
    E12_NOT_IN_EXTENSIONS:
        "a call with x-request-id check-7 got through the interceptor, but the handler found no RequestId ({status}): after checking the id, the interceptor must leave it for the handler: request.extensions_mut().insert(RequestId(id))"
        "uma chamada com x-request-id check-7 passou pelo interceptor, mas o handler não achou RequestId nenhum ({status}): depois de verificar o id, o interceptor precisa deixá-lo para o handler: request.extensions_mut().insert(RequestId(id))";
    E12_NOT_ECHOED:
        "the reply has no {key} metadata: insert the id into the response's metadata, response.metadata_mut().insert(REQUEST_ID, ...)"
        "a resposta não tem o metadado {key}: insira o id nos metadados da resposta, response.metadata_mut().insert(REQUEST_ID, ...)";
    E12_ECHOED_OTHER:
        "the reply's x-request-id is {echoed}, not \"check-7\": echo the very id the call came with"
        "o x-request-id da resposta é {echoed}, e não \"check-7\": devolva exatamente o id com que a chamada chegou";
    E12_REPLY:
        "the reply of stamp"
        "a resposta do stamp";
    E12_OK_STAMPED:
        "a call with x-request-id check-7 gets \"stamped check-7\", and the id back in the metadata"
        "uma chamada com x-request-id check-7 recebe \"stamped check-7\", e o id de volta nos metadados";
    E12_READS_HEADER_AGAIN:
        "behind an interceptor that left RequestId(\"from-the-interceptor\") in the extensions, the handler answered with the header's id, \"from-the-header\": the handler reads the header again. Take the interceptor's checked value, request.extensions().get::<RequestId>(): one place checks the id, and every handler trusts it"
        "atrás de um interceptor que deixou RequestId(\"from-the-interceptor\") nas extensions, o handler respondeu com o id do header, \"from-the-header\": o handler lê o header de novo. Use o valor já verificado pelo interceptor, request.extensions().get::<RequestId>(): um lugar verifica o id, e todos os handlers confiam nele";
    E12_OK_EXTENSIONS:
        "the handler takes the id from the extensions, where the interceptor left it"
        "o handler pega o id das extensions, onde o interceptor o deixou";
    E12_CLIENT_REFUSED:
        "a call through the client's RequestIds was refused ({status}): RequestIds must insert an id under x-request-id in every call"
        "uma chamada pelo RequestIds do cliente foi recusada ({status}): o RequestIds precisa inserir um id sob x-request-id em toda chamada";
    E12_SAME_ID:
        "two calls through RequestIds (each through a clone of the client) both got the id {id}: an id is worth something only if no two calls share it. Number them with the shared counter: self.given.fetch_add(1, Ordering::Relaxed)"
        "duas chamadas pelo RequestIds (cada uma por um clone do cliente) receberam o mesmo id, {id}: um id só vale se duas chamadas nunca o dividem. Numere-as com o contador compartilhado: self.given.fetch_add(1, Ordering::Relaxed)";
    E12_OK_CLIENT:
        "the client's interceptor gives each call its own id: {first}, then {second}"
        "o interceptor do cliente dá a cada chamada o seu próprio id: {first}, depois {second}";

    // Exercise 13
    E13_HANGS:
        "fetch_with_retries with a deadline of {ms} ms had not returned after 2 s: each attempt needs a timeout, what is left of the deadline (request.set_timeout(left)), or one server that never answers holds the caller forever"
        "o fetch_with_retries com deadline de {ms} ms não tinha voltado depois de 2 s: cada tentativa precisa de um timeout, o que resta do deadline (request.set_timeout(left)), senão um servidor que nunca responde prende quem chama para sempre";
    E13_GAVE_UP:
        "against a server that fails twice with UNAVAILABLE and then answers, fetch_with_retries returned {status} after {calls} attempts: retry UNAVAILABLE, up to MAX_ATTEMPTS attempts"
        "contra um servidor que falha duas vezes com UNAVAILABLE e depois responde, o fetch_with_retries devolveu {status} depois de {calls} tentativas: tente de novo quando vier UNAVAILABLE, até MAX_ATTEMPTS tentativas";
    E13_ATTEMPTS_SEEN:
        "the attempts the server saw (it fails twice, then answers)"
        "as tentativas que o servidor viu (ele falha duas vezes, depois responde)";
    E13_ATTEMPTS_SAID:
        "Fetched.attempts (the attempts made, the successful one included)"
        "Fetched.attempts (as tentativas feitas, contando a que deu certo)";
    E13_NO_BACKOFF:
        "the retries came {gaps} ms apart: the client retries at once, and a server that is struggling gets a flood. Wait before each retry: tokio::time::sleep(backoff).await, INITIAL_BACKOFF (50 ms) first"
        "as novas tentativas vieram com {gaps} ms de intervalo: o cliente tenta de novo na hora, e um servidor que já está em apuros recebe uma enxurrada. Espere antes de cada nova tentativa: tokio::time::sleep(backoff).await, INITIAL_BACKOFF (50 ms) primeiro";
    E13_NOT_EXPONENTIAL:
        "the retries came {gaps} ms apart: the wait does not grow. Double it after each wait (50, 100, 200 ms...), up to MAX_BACKOFF: backoff = (backoff * 2).min(MAX_BACKOFF)"
        "as novas tentativas vieram com {gaps} ms de intervalo: a espera não cresce. Dobre-a depois de cada espera (50, 100, 200 ms...), até MAX_BACKOFF: backoff = (backoff * 2).min(MAX_BACKOFF)";
    E13_NO_TIMEOUT:
        "an attempt came without a deadline (no grpc-timeout): give each attempt what is left of the call's deadline, request.set_timeout(left), so that the server knows it, and a hanging attempt ends in time"
        "uma tentativa chegou sem deadline (nenhum grpc-timeout): dê a cada tentativa o que resta do deadline da chamada, request.set_timeout(left), para que o servidor saiba, e uma tentativa travada termine a tempo";
    E13_NOT_WHAT_IS_LEFT:
        "the attempts carried timeouts of {timeouts}: each attempt must carry what is *left* of the one deadline (less each time), not the whole of it again, or retries stretch a 2 s call to MAX_ATTEMPTS × 2 s"
        "as tentativas levaram timeouts de {timeouts}: cada tentativa precisa levar o que *resta* do único deadline (menos a cada vez), e não ele inteiro de novo, senão as novas tentativas esticam uma chamada de 2 s para MAX_ATTEMPTS × 2 s";
    E13_OK_RETRIES:
        "two UNAVAILABLE, then the data: 3 attempts, {gaps} ms apart, each with what was left of the deadline"
        "dois UNAVAILABLE, depois os dados: 3 tentativas, com {gaps} ms de intervalo, cada uma com o que restava do deadline";
    E13_RETRIES_REFUSAL:
        "a server that refuses with INVALID_ARGUMENT was called {calls} times: only UNAVAILABLE is worth another attempt; a refusal would fail again, and another error might do harm twice"
        "um servidor que recusa com INVALID_ARGUMENT foi chamado {calls} vezes: só UNAVAILABLE vale outra tentativa; uma recusa falharia de novo, e outro erro poderia causar dano duas vezes";
    E13_REFUSAL_CHANGED:
        "a server that refuses with INVALID_ARGUMENT: fetch_with_retries should return that status as it came, and returned {got}"
        "um servidor que recusa com INVALID_ARGUMENT: o fetch_with_retries deveria devolver esse status como veio, e devolveu {got}";
    E13_OK_REFUSAL:
        "INVALID_ARGUMENT is not retried: one attempt, its status returned"
        "INVALID_ARGUMENT não é repetido: uma tentativa, e o status dela devolvido";
    E13_ATTEMPTS_LIMIT:
        "a server that always answers UNAVAILABLE was called {calls} times in 5 s; the client should stop after MAX_ATTEMPTS ({max}) attempts, the first one included"
        "um servidor que sempre responde UNAVAILABLE foi chamado {calls} vezes em 5 s; o cliente deveria parar depois de MAX_ATTEMPTS ({max}) tentativas, contando a primeira";
    E13_LAST_STATUS:
        "after its last attempt against a server that always answers UNAVAILABLE, fetch_with_retries should return the last UNAVAILABLE, and returned {got}"
        "depois da última tentativa contra um servidor que sempre responde UNAVAILABLE, o fetch_with_retries deveria devolver o último UNAVAILABLE, e devolveu {got}";
    E13_OK_LIMIT:
        "always UNAVAILABLE: {max} attempts, then the last UNAVAILABLE"
        "sempre UNAVAILABLE: {max} tentativas, depois o último UNAVAILABLE";
    E13_PAST_DEADLINE:
        "with a deadline of 120 ms against a server that always answers UNAVAILABLE, fetch_with_retries took {ms} ms and made {calls} attempts: after the 50 ms wait, the next one (100 ms) would end past the deadline. Before sleeping, compare: if now + backoff >= deadline, return DEADLINE_EXCEEDED at once"
        "com deadline de 120 ms contra um servidor que sempre responde UNAVAILABLE, o fetch_with_retries levou {ms} ms e fez {calls} tentativas: depois da espera de 50 ms, a seguinte (100 ms) terminaria depois do deadline. Antes de dormir, compare: se agora + backoff >= deadline, devolva DEADLINE_EXCEEDED na hora";
    E13_SHORT:
        "with a deadline of 120 ms and a server that always answers UNAVAILABLE"
        "com deadline de 120 ms e um servidor que sempre responde UNAVAILABLE";
    E13_OK_SHORT:
        "a deadline of 120 ms too short for the retries: DEADLINE_EXCEEDED after {ms} ms and {calls} attempts"
        "um deadline de 120 ms curto demais para as novas tentativas: DEADLINE_EXCEEDED depois de {ms} ms e {calls} tentativas";
    E13_HANG_LATE:
        "against a server that never answers, with a deadline of 200 ms, fetch_with_retries returned after {ms} ms: each attempt must carry what is left of the deadline (request.set_timeout(left)), so that it ends when the call must"
        "contra um servidor que nunca responde, com deadline de 200 ms, o fetch_with_retries voltou depois de {ms} ms: cada tentativa precisa levar o que resta do deadline (request.set_timeout(left)), para terminar quando a chamada precisa terminar";
    E13_HANG:
        "with a deadline of 200 ms and a server that never answers"
        "com deadline de 200 ms e um servidor que nunca responde";
    E13_OK_HANG:
        "a server that never answers: DEADLINE_EXCEEDED after {ms} ms"
        "um servidor que nunca responde: DEADLINE_EXCEEDED depois de {ms} ms";
    E13_NOT_DEADLINE_EXCEEDED:
        "{what}, fetch_with_retries should return DEADLINE_EXCEEDED (the time ran out, whatever the last attempt said; tonic's own timer says CANCELLED \"Timeout expired\", which is the same), and returned {got}"
        "{what}, o fetch_with_retries deveria devolver DEADLINE_EXCEEDED (o tempo acabou, diga o que disser a última tentativa; o próprio timer do tonic diz CANCELLED \"Timeout expired\", que é a mesma coisa), e devolveu {got}";

    // Exercise 14
    E14_REPLY:
        "the steps the relay's reply says were done"
        "os passos que a resposta do relay diz que foram feitos";
    E14_NO_DEADLINE_PASSED:
        "the caller gave the relay a deadline, but the backend's call came without one (no grpc-timeout): the relay must read its caller's deadline when the call arrives and set what is left on its own call, outgoing.set_timeout(left)"
        "quem chamou deu um deadline ao relay, mas a chamada ao backend chegou sem nenhum (sem grpc-timeout): o relay precisa ler o deadline de quem o chamou quando a chamada chega e pôr o que resta na sua própria chamada, outgoing.set_timeout(left)";
    E14_MORE_TIME:
        "the caller gave the relay 1000 ms, and the relay gave the backend {ms} ms: a relay cannot give more time than it has. Pass on what is left of its caller's deadline (the grpc-timeout it received, less the time spent since, less REPLY_MARGIN)"
        "quem chamou deu 1000 ms ao relay, e o relay deu {ms} ms ao backend: um relay não pode dar mais tempo do que tem. Repasse o que resta do deadline de quem o chamou (o grpc-timeout que recebeu, menos o tempo gasto desde então, menos REPLY_MARGIN)";
    E14_OK_PASSED:
        "a deadline of 1000 ms reaches the backend as {ms} ms: what is left"
        "um deadline de 1000 ms chega ao backend como {ms} ms: o que resta";
    E14_OK_NO_DEADLINE:
        "a call without a deadline is relayed too"
        "uma chamada sem deadline também é repassada";
    E14_NOT_DEADLINE_EXCEEDED:
        "relay(40 steps, 2 s of work) with a deadline of 200 ms answered {status}; expected DEADLINE_EXCEEDED: pass the backend's status on as it came (the `?` on the call does)"
        "relay(40 passos, 2 s de trabalho) com deadline de 200 ms respondeu {status}; esperado DEADLINE_EXCEEDED: repasse o status do backend como veio (o `?` na chamada faz isso)";
    E14_BACKEND_RUNS_ON:
        "the caller of the relay gave up after 200 ms, but the backend's handler ended only {ms} ms after the start: the backend worked on for nobody. Pass the deadline on (set_timeout), and await the backend inside the handler, so that dropping the handler drops the call"
        "quem chamou o relay desistiu depois de 200 ms, mas o handler do backend só terminou {ms} ms depois do início: o backend continuou trabalhando para ninguém. Repasse o deadline (set_timeout) e espere o backend dentro do handler, para que descartar o handler descarte a chamada";
    E14_BACKEND_STILL_WORKING:
        "the caller of the relay gave up after 200 ms, and 600 ms later the backend was still working ({steps} steps done): the relay's call to the backend outlives its handler (a tokio::spawn?) and carries no deadline. Await it in the handler, with what is left of the deadline set on it"
        "quem chamou o relay desistiu depois de 200 ms, e 600 ms depois o backend ainda estava trabalhando ({steps} passos feitos): a chamada do relay ao backend vive mais que o handler (um tokio::spawn?) e não leva deadline. Espere por ela dentro do handler, com o que resta do deadline definido nela";
    E14_OK_CANCELLED:
        "a deadline of 200 ms on 2 s of work: DEADLINE_EXCEEDED, and the backend's handler ended with it"
        "um deadline de 200 ms em 2 s de trabalho: DEADLINE_EXCEEDED, e o handler do backend terminou junto";

    // Exercise 15
    E15_NO_ETCD:
        "exercise 15's check starts an etcd of its own, and there is no `{program}` on this machine (or not on the PATH). Install it, then check again:\n  Debian, Ubuntu: sudo apt-get install etcd-server\n  macOS: brew install etcd\n  Windows: the release zip from etcd's GitHub releases page; unzip it and put etcd.exe on the PATH\n(or set ETCD to the program's full path)"
        "a verificação do exercício 15 inicia um etcd próprio, e não há `{program}` nesta máquina (ou não está no PATH). Instale-o e verifique de novo:\n  Debian, Ubuntu: sudo apt-get install etcd-server\n  macOS: brew install etcd\n  Windows: o zip da versão na página de releases do etcd no GitHub; descompacte-o e ponha o etcd.exe no PATH\n(ou defina ETCD com o caminho completo do programa)";
    E15_ETCD_FAILED:
        "cannot start {program}: {error}"
        "não foi possível iniciar o {program}: {error}";
    E15_ETCD_NOT_READY:
        "etcd did not start serving at {url}; the last line of its log: {last}"
        "o etcd não começou a atender em {url}; a última linha do log dele: {last}";
    E15_ETCD_SAID:
        "the check's etcd: {error}"
        "o etcd da verificação: {error}";
    E15_NO_RETURN:
        "{what} did not return within 2 s: does it await something that never ends (the keep-alive loop itself, instead of spawning it)?"
        "{what} não retornou em 2 s: ele espera por algo que nunca termina (o próprio laço do keep-alive, em vez de rodá-lo com spawn)?";
    E15_ANNOUNCE_FAILED:
        "announce failed: {error}"
        "o announce falhou: {error}";
    E15_NOTHING_PUT:
        "after announce, nothing is registered under {prefix}: grant a lease, then put the key PREFIX + addr, with the address as its value, under that lease"
        "depois do announce, não há nada registrado sob {prefix}: conceda um lease e depois faça o put da chave PREFIX + addr, com o endereço como valor, sob esse lease";
    E15_WRONG_ENTRY:
        "after announce, expected one key, {key}, with the value \"{addr}\", and found: {found}"
        "depois do announce, era esperada uma chave, {key}, com o valor \"{addr}\", e foi encontrado: {found}";
    E15_OK_ANNOUNCED:
        "announce wrote {key} = \"{addr}\""
        "o announce gravou {key} = \"{addr}\"";
    E15_EXPIRED:
        "the key went {ms} ms after announce, with the server still up: its lease ran out (TTL {ttl} s) because nothing renewed it. Spawn a task that calls gateway.keep_alive(lease) every TTL / 3 for as long as the server is announced"
        "a chave sumiu {ms} ms depois do announce, com o servidor ainda no ar: o lease dela acabou (TTL de {ttl} s) porque nada o renovou. Crie com spawn uma tarefa que chame gateway.keep_alive(lease) a cada TTL / 3 enquanto o servidor estiver anunciado";
    E15_OK_KEPT_ALIVE:
        "still registered {ms} ms later, past the TTL: the lease is kept alive"
        "ainda registrado {ms} ms depois, além do TTL: o lease é mantido vivo";
    E15_WITHDRAW_FAILED:
        "withdraw failed: {error}"
        "o withdraw falhou: {error}";
    E15_NOT_REVOKED:
        "after withdraw, {key} is still registered: a server that stops must leave the registry at once, not when its lease runs out. withdraw must revoke the lease (gateway.revoke(lease)), which deletes every key written under it; and the key must be put under that lease (put's third argument)"
        "depois do withdraw, {key} continua registrada: um servidor que para deve sair do registry na hora, não quando o lease acabar. O withdraw precisa revogar o lease (gateway.revoke(lease)), o que apaga todas as chaves gravadas sob ele; e a chave precisa ter sido gravada sob esse lease (o terceiro argumento do put)";
    E15_OK_WITHDRAWN:
        "withdraw revoked the lease: {key} is gone at once"
        "o withdraw revogou o lease: {key} sumiu na hora";
    E15_WITH_NOBODY:
        "with nobody registered"
        "sem ninguém registrado";
    E15_NOBODY_NOT_UNAVAILABLE:
        "with nobody registered, call_registered returned {status}; expected UNAVAILABLE (no server to call: a caller may try again later)"
        "sem ninguém registrado, o call_registered devolveu {status}; esperado UNAVAILABLE (nenhum servidor para chamar: quem chama pode tentar mais tarde)";
    E15_NOBODY_ANSWERED:
        "with nobody registered, call_registered returned the reply {reply}: with no server, it must return Err(Status::unavailable(..))"
        "sem ninguém registrado, o call_registered devolveu a resposta {reply}: sem servidor, ele precisa devolver Err(Status::unavailable(..))";
    E15_OK_NOBODY:
        "with nobody registered: UNAVAILABLE"
        "sem ninguém registrado: UNAVAILABLE";
    E15_WITH_STALE:
        "with {stale} (a stale key) and {addr} registered"
        "com {stale} (uma chave velha) e {addr} registrados";
    E15_WRONG_REPLY:
        "call_registered should return the message of the server's reply, {expected}, and returned {reply}"
        "o call_registered deveria devolver a mensagem da resposta do servidor, {expected}, e devolveu {reply}";
    E15_GAVE_UP_ON_STALE:
        "with a stale key first ({stale}: a server killed without revoking, whose key stays until its lease runs out) and a server that answers after it, call_registered returned {status}: a registered server that cannot be reached is skipped; try the next one in the list"
        "com uma chave velha primeiro ({stale}: um servidor morto sem revogar, cuja chave fica até o lease acabar) e um servidor que responde depois dela, o call_registered devolveu {status}: um servidor registrado que não se alcança é pulado; tente o próximo da lista";
    E15_OK_SKIPPED_STALE:
        "a stale key ({stale}) skipped: the call reached {addr}"
        "uma chave velha ({stale}) pulada: a chamada chegou a {addr}";
    E15_AFTER_LEAVING:
        "after {first} left the registry and {second} joined"
        "depois que {first} saiu do registry e {second} entrou";
    E15_CALLED_THE_GONE:
        "call_registered called {first}, which has left the registry (its lease revoked): list the registry at each call, for servers come and go; never keep an old list"
        "o call_registered chamou {first}, que já saiu do registry (lease revogado): liste o registry a cada chamada, porque servidores vêm e vão; nunca guarde uma lista velha";
    E15_OK_FOLLOWED:
        "{first} left and {second} joined: the call reached {second}"
        "{first} saiu e {second} entrou: a chamada chegou a {second}";
    E15_CALL_HANGS:
        "call_registered, {what}: no answer within 2 s; does it wait forever for a server that cannot be reached? (connect gives up after CONNECT_TIMEOUT)"
        "call_registered, {what}: nenhuma resposta em 2 s; ele espera para sempre por um servidor que não se alcança? (o connect desiste depois de CONNECT_TIMEOUT)";
    E15_CALL_PANICKED:
        "call_registered panicked {what}: return Err(Status::unavailable(..)) when no server can be called, never index an empty list"
        "o call_registered entrou em pânico {what}: devolva Err(Status::unavailable(..)) quando nenhum servidor puder ser chamado, nunca indexe uma lista vazia";

    // Exercise 16
    E16_NO_TRACEPARENT:
        "the relay was called with traceparent {incoming}, and called the next hop with no traceparent at all: the trace stops there. Insert one in the outgoing request's metadata (outgoing.metadata_mut().insert(TRACEPARENT, value))"
        "o relay foi chamado com traceparent {incoming} e chamou o próximo salto sem traceparent nenhum: o trace para ali. Insira um nos metadados da requisição que sai (outgoing.metadata_mut().insert(TRACEPARENT, value))";
    E16_TRACE_ID_CHANGED:
        "the relay was called with traceparent {incoming} and passed on {sent}: the trace id changed. The trace id is the whole trace's, the same at every hop: keep the incoming one, and give only the parent id a new value"
        "o relay foi chamado com traceparent {incoming} e repassou {sent}: o trace id mudou. O trace id é do trace inteiro, o mesmo em todo salto: mantenha o que chegou, e dê um valor novo só ao parent id";
    E16_PARENT_NOT_REPLACED:
        "the relay was called with traceparent {incoming} and passed on {sent}: the parent id is the caller's. The parent id names the span that makes the call, and this call is the relay's: give it a new parent id of its own (random_id())"
        "o relay foi chamado com traceparent {incoming} e repassou {sent}: o parent id é o de quem chamou. O parent id identifica o span que faz a chamada, e esta chamada é do relay: dê a ela um parent id novo, próprio (random_id())";
    E16_SAME_SPAN_ID:
        "two calls through the relay went on with the same parent id, {parent}: each call the relay makes is a span of its own, with a new random id"
        "duas chamadas pelo relay seguiram com o mesmo parent id, {parent}: cada chamada que o relay faz é um span próprio, com um id aleatório novo";
    E16_FLAGS_CHANGED:
        "the relay was called with traceparent {incoming} and passed on {sent}: the flags changed. Pass them on as they came (01 is sampled, 00 is not: the caller decided whether this trace is recorded)"
        "o relay foi chamado com traceparent {incoming} e repassou {sent}: as flags mudaram. Repasse-as como vieram (01 é sampled, 00 não: quem chamou decidiu se este trace é gravado)";
    E16_UPPERCASE:
        "the relay sent traceparent {sent}: uppercase hex. The spec allows only lowercase (write with {:x}, not {:X})"
        "o relay enviou traceparent {sent}: hexadecimal em maiúsculas. A especificação só aceita minúsculas (escreva com {:x}, não {:X})";
    E16_MALFORMED_OUT:
        "the relay sent traceparent {sent}, which is not 00-<32 hex>-<16 hex>-<2 hex>: pad each field with zeros to its width ({:032x}, {:016x}, {:02x}): a {:x} alone drops the leading zeros"
        "o relay enviou traceparent {sent}, que não é 00-<32 hex>-<16 hex>-<2 hex>: complete cada campo com zeros até a largura dele ({:032x}, {:016x}, {:02x}): um {:x} sozinho perde os zeros à esquerda";
    E16_ZERO_ID:
        "the relay sent traceparent {sent}, with an id of all zeros: the spec calls that invalid. Never generate one (random_id() is never zero), and never accept one: an incoming traceparent with a zero id is malformed, and a new trace starts"
        "o relay enviou traceparent {sent}, com um id todo de zeros: a especificação chama isso de inválido. Nunca gere um (o random_id() nunca é zero), e nunca aceite um: um traceparent que chega com id zero é malformado, e um trace novo começa";
    E16_MALFORMED_PASSED_ON:
        "the relay was called with the malformed traceparent {incoming}, and passed it on unchanged: a malformed traceparent is ignored, and a new trace started (TraceParent::parse says None, then TraceParent::new_trace())"
        "o relay foi chamado com o traceparent malformado {incoming} e o repassou sem mudança: um traceparent malformado é ignorado, e um trace novo começa (TraceParent::parse diz None, depois TraceParent::new_trace())";
    E16_MALFORMED_CONTINUED:
        "the relay was called with the malformed traceparent {incoming}, and continued its trace ({sent}): parse must refuse it (only version 00, lowercase hex, exact widths, no id of all zeros), and then a new trace starts"
        "o relay foi chamado com o traceparent malformado {incoming} e continuou o trace dele ({sent}): o parse precisa recusá-lo (só versão 00, hexadecimal minúsculo, larguras exatas, nenhum id todo de zeros), e então um trace novo começa";
    E16_MALFORMED_DROPPED:
        "the relay was called with the malformed traceparent {incoming}, and called the next hop with no traceparent: ignore the malformed one, but start a new trace (TraceParent::new_trace()) and send that"
        "o relay foi chamado com o traceparent malformado {incoming} e chamou o próximo salto sem traceparent: ignore o malformado, mas comece um trace novo (TraceParent::new_trace()) e envie esse";
    E16_NONE_NOT_STARTED:
        "the relay was called without a traceparent, and called the next hop without one: with none coming in, the trace starts here (TraceParent::new_trace())"
        "o relay foi chamado sem traceparent e chamou o próximo salto sem nenhum: quando nenhum chega, o trace começa aqui (TraceParent::new_trace())";
    E16_SAME_NEW_TRACE:
        "two calls without a traceparent both started the trace {trace}: a new trace needs a new random trace id each time"
        "duas chamadas sem traceparent começaram ambas o trace {trace}: um trace novo precisa de um trace id aleatório novo a cada vez";
    E16_OK_CONTINUED:
        "the trace {trace} carried on, with a parent id of the relay's own ({parent}), a new one for each call"
        "o trace {trace} seguiu adiante, com um parent id próprio do relay ({parent}), um novo a cada chamada";
    E16_OK_FLAGS:
        "the flags 00 (not sampled) kept, and the leading zeros of the ids too"
        "as flags 00 (não sampled) mantidas, e os zeros à esquerda dos ids também";
    E16_OK_MALFORMED:
        "{count} malformed traceparents ignored, a new trace started for each"
        "{count} traceparents malformados ignorados, um trace novo começado para cada um";
    E16_OK_NEW:
        "without a traceparent, a new trace each time ({first}, {second})"
        "sem traceparent, um trace novo a cada vez ({first}, {second})";
}
