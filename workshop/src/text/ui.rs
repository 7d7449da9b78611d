//! What the commands say: the list, `check`, `hint`, `watch`, `reset`,
//! `progress`, `serve` and `call`. Each message: its name, the English,
//! then the Portuguese.

use super::texts;

texts! {
    // The list, and what is next.
    LIST_INTRO:
        "gRPC workshop: sixteen exercises, each checked against a real server.\nThe guide is WORKSHOP.md (em português: WORKSHOP.pt-BR.md, e --lang pt para este programa)."
        "Workshop de gRPC: dezesseis exercícios, cada um verificado contra um servidor de verdade.\nO guia é o WORKSHOP.pt-BR.md (in English: WORKSHOP.md, and --lang en for this program).";
    STATE_DONE:
        "done"
        "feito";
    STATE_NOT_YET:
        "not yet"
        "ainda não";
    LIST_COUNT:
        "{done} of {total} done."
        "{done} de {total} feitos.";
    ALL_DONE:
        "All sixteen exercises are done: well done! Now read how the teaching crates do it all for real."
        "Os dezesseis exercícios estão feitos: parabéns! Agora leia como os crates didáticos fazem tudo isso de verdade.";
    NEXT:
        "Next: exercise {number}, {file}"
        "Próximo: exercício {number}, {file}";
    NEXT_GOAL:
        "  Goal: {goal}"
        "  Objetivo: {goal}";
    NEXT_CHECK:
        "  Check it:  cargo run -p workshop -- check {number}"
        "  Para verificar:  cargo run -p workshop -- check {number}";
    NEXT_WATCH:
        "  Or let it re-check on every save:  cargo run -p workshop -- watch"
        "  Ou deixe verificar de novo a cada vez que você salvar:  cargo run -p workshop -- watch";
    NEXT_HINT:
        "  Stuck?  cargo run -p workshop -- hint {number}"
        "  Travou?  cargo run -p workshop -- hint {number}";

    // check
    CHECK_HEADER:
        "Exercise {number}: {title}"
        "Exercício {number}: {title}";
    CHECK_FILE:
        "  file: {file}"
        "  arquivo: {file}";
    CHECK_GOAL:
        "  goal: {goal}"
        "  objetivo: {goal}";
    NOT_YET_LABEL:
        "[not yet]"
        "[ainda não]";
    CHECK_DONE:
        "Exercise {number} is done."
        "O exercício {number} está feito.";
    CHECK_DONE_SERVE:
        "Let a classmate call it:  cargo run -p workshop -- serve {number} --addr 0.0.0.0:{port}"
        "Deixe um colega chamá-lo:  cargo run -p workshop -- serve {number} --addr 0.0.0.0:{port}";
    CHECK_STUCK:
        "Stuck?  cargo run -p workshop -- hint {number}"
        "Travou?  cargo run -p workshop -- hint {number}";
    NO_SUCH_EXERCISE:
        "error: there is no exercise {number}; they are numbered 1 to 16"
        "erro: não existe o exercício {number}; eles vão de 1 a 16";

    // hint
    HINT_HEADER:
        "Hint for exercise {number} ({file}):"
        "Dica para o exercício {number} ({file}):";
    HINT_SOLUTION:
        "Still stuck? The solution is {solution}; reading it after trying is learning too."
        "Ainda travado? A solução está em {solution}; ler a solução depois de tentar também é aprender.";

    // When your files do not compile, and watch.
    DOES_NOT_COMPILE:
        "Your code does not compile yet: the compiler's errors above say where (file:line). The exercise files are all built together, so nothing can be checked until they compile."
        "O seu código ainda não compila: os erros do compilador, acima, dizem onde (arquivo:linha). Os arquivos de exercício são todos compilados juntos, então nada pode ser verificado até que eles compilem.";
    RESET_TO_MOVE_ON:
        "To move on and come back to {file} later:  cargo run -p workshop -- reset {number}  (puts the starter back; yours is kept as .bak)"
        "Para seguir em frente e voltar ao {file} depois:  cargo run -p workshop -- reset {number}  (devolve o arquivo inicial; o seu fica guardado como .bak)";
    WATCH_AFTER_ERRORS:
        "Fix it and save: watch checks again."
        "Corrija e salve: o watch verifica de novo.";
    WATCHING:
        "Watching workshop/exercises and workshop/proto: save a file to check again (Ctrl-C to stop)."
        "Observando workshop/exercises e workshop/proto: salve um arquivo para verificar de novo (Ctrl-C para parar).";
    WATCH_CHANGED:
        "---------------- a file changed: checking again ----------------"
        "---------------- um arquivo mudou: verificando de novo ----------------";
    CANNOT_RUN_CARGO:
        "error: cannot run cargo: {error}"
        "erro: não foi possível rodar o cargo: {error}";

    // reset
    RESET_ALREADY:
        "{file} is already the starter: nothing to do."
        "{file} já é o arquivo inicial: nada a fazer.";
    RESET_DONE:
        "{file}: the starter is back; your version is kept as {kept} (`cargo run -p workshop -- restore {number}` brings it back)."
        "{file}: o arquivo inicial está de volta; a sua versão ficou guardada como {kept} (`cargo run -p workshop -- restore {number}` a traz de volta).";
    RESTORE_NOTHING:
        "{file}: reset kept no attempt of it (no .bak): nothing to bring back."
        "{file}: o reset não guardou nenhuma tentativa dele (nenhum .bak): nada a trazer de volta.";
    RESTORE_DONE:
        "{file}: your attempt is back (from {from})."
        "{file}: a sua tentativa está de volta (de {from}).";
    RESTORE_KEPT:
        "  What was there is kept as {kept}."
        "  O que estava lá ficou guardado como {kept}.";
    RESTORE_FAILED:
        "error: cannot restore exercise {number}: {error}"
        "erro: não foi possível restaurar o exercício {number}: {error}";
    STARTER_WRITTEN:
        "{file} was missing: its starter is back."
        "{file} não existia: o arquivo inicial está de volta.";
    RESET_FAILED:
        "error: cannot reset exercise {number}: {error}"
        "erro: não foi possível reiniciar o exercício {number}: {error}";

    // progress
    PROGRESS_LINE:
        "done: {done}; next: {next}"
        "feitos: {done}; próximo: {next}";
    PROGRESS_DOES_NOT_COMPILE:
        "done: unknown (nothing can be checked until your files compile); next: fix the file named above"
        "feitos: desconhecido (nada pode ser verificado até os seus arquivos compilarem); próximo: corrija o arquivo indicado acima";
    PROGRESS_NONE:
        "none"
        "nenhum";

    // progress --share: the class on the projector
    SHARE_DONE:
        "shared with {url} as {name}: {progress}"
        "compartilhado com {url} como {name}: {progress}";
    SHARE_DONE_BROKEN:
        "shared with {url} as {name}: your files do not compile (the instructor's page shows it)"
        "compartilhado com {url} como {name}: os seus arquivos não compilam (a página do instrutor mostra isso)";
    SHARE_BAD_URL:
        "--share {url} is not the instructor's page: {why}. Copy the address the projector shows, e.g. --share http://192.168.0.10:8080"
        "--share {url} não é a página do instrutor: {why}. Copie o endereço que o projetor mostra, p.ex. --share http://192.168.0.10:8080";
    SHARE_NO_TLS:
        "the page is shared over http://, not https://"
        "a página é compartilhada por http://, não https://";
    SHARE_BAD_NAME:
        "--name {name}: {why}; choose another, e.g. --name ana"
        "--name {name}: {why}; escolha outro, p.ex. --name ana";
    NAME_EMPTY:
        "the name is empty"
        "o nome está vazio";
    NAME_TOO_LONG:
        "the name is longer than {max} characters"
        "o nome tem mais de {max} caracteres";
    NAME_CONTROL:
        "the name holds a control character (a newline, a tab...)"
        "o nome contém um caractere de controle (uma quebra de linha, um tab...)";
    SHARE_UNREACHABLE:
        "cannot reach the instructor's page at {url} (UNAVAILABLE: {error}): is `cargo run -p web` running there, and is this the address the projector shows?"
        "não foi possível alcançar a página do instrutor em {url} (UNAVAILABLE: {error}): o `cargo run -p web` está rodando lá, e este é o endereço que o projetor mostra?";
    SHARE_NO_ANSWER:
        "no answer from {url} in {seconds} s (DEADLINE_EXCEEDED): a firewall, or an address of another network; ask the instructor which address to use"
        "nenhuma resposta de {url} em {seconds} s (DEADLINE_EXCEEDED): um firewall, ou um endereço de outra rede; pergunte ao instrutor qual endereço usar";
    SHARE_NOT_THE_PAGE:
        "{url} does not take class reports (UNIMPLEMENTED): it is another server, or an older `cargo run -p web`; check the address with the instructor"
        "{url} não recebe relatórios da turma (UNIMPLEMENTED): é outro servidor, ou um `cargo run -p web` antigo; confira o endereço com o instrutor";
    SHARE_REFUSED:
        "the instructor's page refused your report (INVALID_ARGUMENT: {message}): choose another --name, e.g. --name ana"
        "a página do instrutor recusou o seu relatório (INVALID_ARGUMENT: {message}): escolha outro --name, p.ex. --name ana";
    SHARE_ROOM_FULL:
        "the instructor's page has no room for another name (RESOURCE_EXHAUSTED: {message}): ask the instructor"
        "a página do instrutor não tem lugar para outro nome (RESOURCE_EXHAUSTED: {message}): fale com o instrutor";
    SHARE_FAILED:
        "sharing with {url} failed ({status}): ask the instructor"
        "o compartilhamento com {url} falhou ({status}): fale com o instrutor";

    // serve
    SERVING:
        "Serving your exercise {number} ({title}) on {addr}."
        "Servindo o seu exercício {number} ({title}) em {addr}.";
    SERVE_CALL_IT:
        "A classmate calls it with:  cargo run -p workshop -- call {number} --addr {addr} {args}"
        "Um colega o chama com:  cargo run -p workshop -- call {number} --addr {addr} {args}";
    SERVE_ONLY_HERE:
        "Only this machine can reach 127.0.0.1. To let others in, serve on every address:  --addr 0.0.0.0:{port}"
        "Só esta máquina alcança 127.0.0.1. Para deixar os outros entrarem, sirva em todos os endereços:  --addr 0.0.0.0:{port}";
    SERVE_CA_WRITTEN:
        "The CA certificate callers must trust is in {file}: send it to whoever calls you, who passes it with --ca FILE."
        "O certificado da CA em que quem chama precisa confiar está em {file}: envie-o para quem for chamar você, que o passa com --ca ARQUIVO.";
    SERVE_STOP:
        "Each call is shown here as it comes. Ctrl-C stops."
        "Cada chamada aparece aqui quando chega. Ctrl-C para o servidor.";
    SERVE_STOPPING:
        "stopping: no new calls; the calls still open get {seconds} s to finish (Ctrl-C again: stop now)"
        "parando: nenhuma chamada nova; as chamadas ainda abertas têm {seconds} s para terminar (Ctrl-C de novo: parar já)";
    SERVE_GRACE_OVER:
        "the grace period is over: the calls still open end with UNAVAILABLE"
        "o prazo acabou: as chamadas ainda abertas terminam com UNAVAILABLE";
    SERVE_STOP_NOW:
        "Ctrl-C again: the calls still open end with UNAVAILABLE now"
        "Ctrl-C de novo: as chamadas ainda abertas terminam com UNAVAILABLE agora";
    SERVE_STOPPED:
        "server stopped"
        "servidor parado";
    SERVE_CALL:
        "call {method} from {from}"
        "chamada {method} de {from}";
    SERVE_PANIC:
        "your code panicked at {panic}; that call ends there, and the server goes on"
        "o seu código entrou em pânico em {panic}; aquela chamada termina ali, e o servidor continua";
    SERVE_TLS_PANIC:
        "your serve_tls panicked at {panic}, and it was the server: check 10 says what is missing"
        "o seu serve_tls entrou em pânico em {panic}, e ele era o servidor: o check 10 diz o que falta";
    SERVE_PANICKED_STATUS:
        "the server's code panicked while answering this call; its terminal says where"
        "o código do servidor entrou em pânico ao responder esta chamada; o terminal dele diz onde";
    SERVE_NOT_FOR_REGISTRY:
        "exercise 15 has no serve or call: its servers and clients meet through etcd, not an --addr. Run `cargo run -p workshop -- check 15` (it starts an etcd of its own); to share one etcd with the class, the README's section Registry runs servers and clients with --registry."
        "o exercício 15 não tem serve nem call: os servidores e clientes dele se encontram pelo etcd, não por um --addr. Rode `cargo run -p workshop -- check 15` (ele inicia um etcd próprio); para compartilhar um etcd com a turma, a seção Registry do README roda servidores e clientes com --registry.";
    SERVE_BAD_ADDR:
        "--addr {addr} is not HOST:PORT: {why}; e.g. --addr 0.0.0.0:{port} to let classmates in"
        "--addr {addr} não é HOST:PORTA: {why}; p.ex. --addr 0.0.0.0:{port} para deixar os colegas entrarem";
    SERVE_PORT_IN_USE:
        "cannot listen on {addr}: the port is already in use (another serve still running?); stop it, or pick another port with --addr"
        "não foi possível escutar em {addr}: a porta já está em uso (outro serve ainda rodando?); pare-o, ou escolha outra porta com --addr";
    SERVE_CANNOT_LISTEN:
        "error: cannot listen on {addr}: {error}"
        "erro: não foi possível escutar em {addr}: {error}";

    // call
    CALL_BAD_ADDR:
        "--addr {addr} is not HOST:PORT: {why}. Copy the address `serve {number}` printed on your classmate's screen, e.g. --addr 192.168.0.7:{port}"
        "--addr {addr} não é HOST:PORTA: {why}. Copie o endereço que o `serve {number}` mostrou na tela do colega, p.ex. --addr 192.168.0.7:{port}";
    ADDR_SCHEME:
        "drop the scheme (http://, https://): only HOST:PORT"
        "tire o esquema (http://, https://): só HOST:PORTA";
    ADDR_UNIX:
        "call takes HOST:PORT, not a unix socket"
        "o call aceita HOST:PORTA, não um socket unix";
    CALL_UNKNOWN_HOST:
        "this machine does not know a host named {host}: check its spelling, or use the IP address `serve {number}` printed on your classmate's screen"
        "esta máquina não conhece um host chamado {host}: confira a grafia, ou use o endereço IP que o `serve {number}` mostrou na tela do colega";
    CALL_REFUSED:
        "nothing listens at {addr} (connection refused): is `cargo run -p workshop -- serve {number}` running there, on that port?"
        "nada escuta em {addr} (conexão recusada): o `cargo run -p workshop -- serve {number}` está rodando lá, nessa porta?";
    CALL_NO_ANSWER:
        "no answer from {addr} in {seconds} s: a firewall between you, or an address of another network; on that side, `serve {number}` must listen on --addr 0.0.0.0:PORT"
        "nenhuma resposta de {addr} em {seconds} s: um firewall entre vocês, ou um endereço de outra rede; do lado de lá, o `serve {number}` deve escutar em --addr 0.0.0.0:PORTA";
    CALL_WRONG_SERVER:
        "the server at {addr} does not serve {service} (UNIMPLEMENTED): it is not a `serve {number}`; another exercise's serve, or another program, listens there"
        "o servidor em {addr} não serve {service} (UNIMPLEMENTED): não é um `serve {number}`; ali escuta o serve de outro exercício, ou outro programa";
    CALL_NOT_WRITTEN_YET:
        "the server at {addr} declares this rpc in its proto but has no Rust code for it yet (UNIMPLEMENTED: tonic's default stub): their exercise {number} is not done"
        "o servidor em {addr} declara este rpc no seu proto mas ainda não tem código Rust para ele (UNIMPLEMENTED: o stub padrão do tonic): o exercício {number} de lá não está feito";
    CALL_OTHER_CA:
        "the server at {addr} has a certificate that the CA in --ca did not sign: each start of `serve {number}` makes a new CA, so ask for the file it wrote this time (its path is in its first lines), or check that --ca names that file"
        "o servidor em {addr} tem um certificado que a CA de --ca não assinou: cada início do `serve {number}` cria uma CA nova, então peça o arquivo que ele gravou desta vez (o caminho está nas primeiras linhas dele), ou confira se --ca aponta para esse arquivo";
    CALL_SPEAKS_TLS:
        "the server at {addr} speaks TLS (a `serve 10`?), and `call {number}` speaks plaintext: call the `serve {number}` of exercise {number}"
        "o servidor em {addr} fala TLS (um `serve 10`?), e o `call {number}` fala texto puro: chame o `serve {number}` do exercício {number}";
    CALL_CANNOT_CONNECT:
        "cannot reach {addr}: {error}. Is `cargo run -p workshop -- serve {number}` running there, on an address you can reach (--addr 0.0.0.0:PORT on that side)?"
        "não foi possível alcançar {addr}: {error}. O `cargo run -p workshop -- serve {number}` está rodando lá, num endereço que você alcança (--addr 0.0.0.0:PORTA do lado de lá)?";
    CALL_PANIC:
        "your client code panicked at {panic}"
        "o código do seu cliente entrou em pânico em {panic}";
    CALL_FAILED:
        "the call failed: {status}"
        "a chamada falhou: {status}";
    CALL_NOT_A_NUMBER:
        "{arg} is not a number"
        "{arg} não é um número";
    CALL_SUMMARY:
        "count {count}, min {min}, max {max}, mean {mean}"
        "quantidade {count}, mínimo {min}, máximo {max}, média {mean}";
    CALL_COUNTDOWN_OVER:
        "(the countdown is over: the server ended the stream)"
        "(a contagem acabou: o servidor encerrou o stream)";
    CALL_AT_ONCE:
        "all at once:       {replies} in {ms} ms"
        "todas de uma vez:  {replies} em {ms} ms";
    CALL_IN_TURN:
        "one after another: {replies} in {ms} ms"
        "uma após a outra:  {replies} em {ms} ms";
    CALL_ECHOED:
        "sent x-request-id {id}; the server echoed {echoed}"
        "enviado x-request-id {id}; o servidor devolveu {echoed}";
    CALL_WITHOUT_TOKEN:
        "without a token:       {answer}"
        "sem token:             {answer}";
    CALL_WITH_TOKEN:
        "through attach_token:  {answer}"
        "com o attach_token:    {answer}";
    CALL_WITHOUT_ID:
        "without a request id:  {answer}"
        "sem id de requisição:  {answer}";
    CALL_WITH_IDS:
        "through RequestIds:    {answer}"
        "pelo RequestIds:       {answer}";
    CALL_FETCHED:
        "fetched \"{message}\" after {attempts} attempts"
        "recebido \"{message}\" depois de {attempts} tentativas";
    CALL_RELAYED:
        "the relay answered: done, {steps} steps"
        "o relay respondeu: feito, {steps} passos";
    CALL_TRACED:
        "sent traceparent {sent}; {reply}"
        "enviado traceparent {sent}; {reply}";
    CALL_NO_TRACEPARENT:
        "(none)"
        "(nenhum)";
    CALL_NOT_METADATA:
        "{value} cannot be sent as metadata (only visible ASCII)"
        "{value} não pode ser enviado como metadado (só ASCII visível)";
    CALL_NEEDS_CA:
        "exercise 10 needs the CA certificate that the server's `serve 10` wrote: --ca FILE"
        "o exercício 10 precisa do certificado da CA que o `serve 10` do servidor gravou: --ca ARQUIVO";
    CALL_CHAT_JOINED:
        "You are in the room as {name}. Type a line and Enter to say it; the others' lines appear here. To leave: Ctrl-D (on Windows, Ctrl-Z then Enter)."
        "Você está na sala como {name}. Digite uma linha e Enter para falar; as linhas dos outros aparecem aqui. Para sair: Ctrl-D (no Windows, Ctrl-Z e Enter).";
    CALL_CHAT_CLOSED:
        "(the server closed the room)"
        "(o servidor fechou a sala)";
    CALL_CHAT_LEFT:
        "(you left the room)"
        "(você saiu da sala)";
}
