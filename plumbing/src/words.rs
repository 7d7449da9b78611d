//! Every sentence the lesson programs say to a student, in English and in
//! Brazilian Portuguese: the one-line errors and their advice
//! ([`crate::client::explain`], [`crate::server::StartError`]), the
//! server's lines about starting and stopping, and what is wrong with an
//! `--addr`. The language is the workspace's one setting (the `lang`
//! crate): the environment (`LANG=pt_BR.UTF-8`, `LANGUAGE`, `LC_ALL`), read
//! by [`crate::logging::init`] when a program starts.
//!
//! Code, flags, commands and status codes stay as they are in both: they
//! are what the student types and what the documentation names.

use lang::{Lang, texts};

use crate::Program;

texts! {
    // Client: several calls (--repeat).
    SOME_CALLS_FAILED:
        "{failed} of {made} calls failed, each reported above; {last}"
        "{failed} de {made} chamadas falharam, cada uma relatada acima; {last}";
    LAST_SUCCEEDED:
        "the last call succeeded"
        "a última chamada deu certo";
    LAST_FAILED:
        "the last call failed too"
        "a última chamada falhou também";

    // Client: --registry.
    START_ONE:
        "start one with: {command} -- --addr 127.0.0.1:0 --registry {url}"
        "inicie um com: {command} -- --addr 127.0.0.1:0 --registry {url}";
    CANNOT_REACH_ETCD:
        "cannot reach etcd at {url} ({why})"
        "não foi possível alcançar o etcd em {url} ({why})";
    ETCD_UNREACHABLE:
        "{error}; is etcd running? start it as the README's section Registry shows"
        "{error}; o etcd está rodando? inicie-o como mostra a seção Registry do README.md (em inglês)";
    ETCD_OTHER:
        "{error}; is it etcd 3.4 or later, which serves the JSON gateway this client speaks?"
        "{error}; é um etcd 3.4 ou mais novo, que serve o gateway JSON que este cliente fala?";
    NONE_REGISTERED:
        "no {program} server is registered in etcd at {url}; {start_one}"
        "nenhum servidor {program} está registrado no etcd em {url}; {start_one}";
    NONE_ANSWERS:
        "{registered} {program} server(s) registered in etcd at {url}, but none answers"
        "{registered} servidor(es) {program} registrado(s) no etcd em {url}, mas nenhum responde";
    KILLED_STAY:
        "killed servers stay registered until their lease expires; {start_one}"
        "servidores mortos continuam registrados até o lease expirar; {start_one}";
    NONE_ANSWERS_TLS:
        "{none}: {addr} does not speak what its entry says about TLS ({failure}); start it again, with --tls only if it should speak TLS"
        "{none}: {addr} não fala o que o registro dele diz sobre TLS ({failure}); inicie-o de novo, com --tls só se ele deve falar TLS";
    NONE_ANSWERS_CA:
        "{none}: {addr} has a certificate that {ca} did not sign ({failure}); pass the CA the server uses: --ca DIR/ca.pem, where DIR is the server's --certs"
        "{none}: {addr} tem um certificado que {ca} não assinou ({failure}); passe a CA que o servidor usa: --ca DIR/ca.pem, onde DIR é o --certs do servidor";
    NONE_ANSWERS_SILENT:
        "{none}: {addr} did not answer ({failure}); {killed}"
        "{none}: {addr} não respondeu ({failure}); {killed}";
    NONE_ANSWERS_ONLY:
        "{none}: {killed}"
        "{none}: {killed}";

    // Client: reaching the server, and speaking with it.
    SERVER_STOPPED_REGISTERED:
        "{a_server} {at} refused the connection ({failure}): it has stopped; start one with: {start}"
        "{a_server} {at} recusou a conexão ({failure}): ele parou; inicie um com: {start}";
    NOTHING_LISTENS:
        "nothing listens {at} ({failure}); is the {program} server running? start it with: {start}"
        "nada escuta {at} ({failure}); o servidor {program} está rodando? inicie-o com: {start}";
    CANNOT_REACH:
        "cannot reach the {program} server {at} ({failure}); check {which}, and that its machine is on the network"
        "não foi possível alcançar o servidor {program} {at} ({failure}); confira {which}, e se a máquina dele está na rede";
    RESET_AS_IT_OPENED:
        "{program} server {at}: the connection was reset as it opened ({failure}); something listens there but hung up: if it is a proxy, is its server running? else, is it this kind of server? start one with: {start}"
        "servidor {program} {at}: a conexão foi resetada ao abrir ({failure}); algo escuta ali mas desligou: se for um proxy, o servidor dele está rodando? senão, é este tipo de servidor? inicie um com: {start}";
    THE_REGISTERED_ADDRESS:
        "the address it registered"
        "o endereço que ele registrou";
    THE_ADDR_FLAG:
        "the address in --addr"
        "o endereço em --addr";
    ADD_TLS:
        "the server {at} speaks TLS and this client does not ({failure}); add --tls"
        "o servidor {at} fala TLS e este cliente não ({failure}); acrescente --tls";
    DROP_TLS:
        "the server {at} does not speak TLS ({failure}); drop {flag}, or start the server with {flag}"
        "o servidor {at} não fala TLS ({failure}); tire o {flag}, ou inicie o servidor com {flag}";
    FIX_REGISTERED_TLS:
        "a server {at} does not speak what its registered entry says about TLS ({failure}); start it again, with --tls only if its entry should say TLS"
        "um servidor {at} não fala o que o registro dele diz sobre TLS ({failure}); inicie-o de novo, com --tls só se o registro deve dizer TLS";
    TRUST_SERVERS_CA:
        "the server {at} has a certificate that {ca} did not sign ({failure}); pass the CA the server uses: --ca DIR/ca.pem, where DIR is the server's --certs (its log names the file)"
        "o servidor {at} tem um certificado que {ca} não assinou ({failure}); passe a CA que o servidor usa: --ca DIR/ca.pem, onde DIR é o --certs do servidor (o log dele diz o arquivo)";
    CERTIFICATE_NOT_FOR_HOST:
        "the server's certificate does not name the host in --addr ({failure}); the development certificate names only localhost, 127.0.0.1 and ::1: dial one of those"
        "o certificado do servidor não nomeia o host de --addr ({failure}); o certificado de desenvolvimento nomeia só localhost, 127.0.0.1 e ::1: disque um deles";
    ADD_MTLS:
        "the server {at} requires a client certificate ({failure}): add --mtls"
        "o servidor {at} exige um certificado de cliente ({failure}): acrescente --mtls";
    SERVER_SHUT_DOWN:
        "the {program} server {at} shut down before the call finished ({failure}); start it again with: {start}"
        "o servidor {program} {at} foi desligado antes de a chamada terminar ({failure}); inicie-o de novo com: {start}";
    CONNECTION_LOST_OR_TLS:
        "the connection to the {program} server {at} broke during the call ({failure}); either the server stopped (start it again with: {start}) or it speaks TLS (add --tls)"
        "a conexão com o servidor {program} {at} caiu durante a chamada ({failure}); ou o servidor parou (inicie-o de novo com: {start}) ou ele fala TLS (acrescente --tls)";
    CONNECTION_LOST:
        "the connection to the {program} server {at} broke during the call ({failure}); if the server stopped, start it again with: {start}"
        "a conexão com o servidor {program} {at} caiu durante a chamada ({failure}); se o servidor parou, inicie-o de novo com: {start}";

    // Client: what the server answered.
    WRONG_KIND_UNIX:
        "the server {at} does not implement {methods} ({failure}): it is not {a_server}; start one on a socket of its own with: {command} -- --addr unix:PATH, and call that"
        "o servidor {at} não implementa {methods} ({failure}): não é {a_server}; inicie um num socket só dele com: {command} -- --addr unix:PATH, e chame esse";
    WRONG_KIND:
        "the server {at} does not implement {methods} ({failure}): it is not {a_server}; start one with: {command} (it listens on {addr})"
        "o servidor {at} não implementa {methods} ({failure}): não é {a_server}; inicie um com: {command} (ele escuta em {addr})";
    STREAM_OUTLASTS_DEADLINE:
        "the deadline passed while the stream went on ({failure}): {count} messages {interval} ms apart take {pace} ms, longer than --timeout-ms {timeout}; raise --timeout-ms, or lower --count or --interval-ms"
        "o prazo acabou enquanto o stream seguia ({failure}): {count} mensagens a {interval} ms uma da outra levam {pace} ms, mais que --timeout-ms {timeout}; aumente --timeout-ms, ou diminua --count ou --interval-ms";
    DEADLINE_PASSED:
        "the call did not finish within the deadline ({failure}); the server was slower than --timeout-ms: raise it (or, if you started the server with --delay-ms, lower that)"
        "a chamada não terminou dentro do prazo ({failure}); o servidor foi mais lento que --timeout-ms: aumente-o (ou, se você iniciou o servidor com --delay-ms, diminua esse)";
    ADD_TOKEN:
        "the server wants a token ({failure}); pass one it accepts: --token or HELLO_TOKEN"
        "o servidor quer um token ({failure}); passe um que ele aceite: --token ou HELLO_TOKEN";
    FIX_TOKEN:
        "the server refused the token ({failure}); pass one it accepts: --token or HELLO_TOKEN"
        "o servidor recusou o token ({failure}); passe um que ele aceite: --token ou HELLO_TOKEN";
    FIX_VALUE_FLAG:
        "the server refused the request ({failure}); change {flag}"
        "o servidor recusou o pedido ({failure}); mude {flag}";
    FIX_VALUE:
        "the server refused the request ({failure}); change the value it names"
        "o servidor recusou o pedido ({failure}); mude o valor que ele aponta";
    CALL_FAILED:
        "the call failed ({failure})"
        "a chamada falhou ({failure})";
    AT_ADDRS:
        "at {addrs}"
        "em {addrs}";
    AT_REGISTRY:
        "registered in etcd at {url}"
        "registrado no etcd em {url}";
    ERROR:
        "error: {line}"
        "erro: {line}";

    // What is wrong with an --addr.
    BAD_ADDR:
        "--addr {addr} is not HOST:PORT: {why}; e.g. --addr 127.0.0.1:8888"
        "--addr {addr} não é HOST:PORTA: {why}; p.ex. --addr 127.0.0.1:8888";
    ADDR_NO_PORT:
        "it has no port"
        "falta a porta";
    ADDR_SEMICOLON:
        "a ';' where the ':' before the port goes"
        "um ';' onde vai o ':' antes da porta";
    ADDR_NO_HOST:
        "it has no host"
        "falta o host";
    ADDR_IPV6:
        "an IPv6 host goes in brackets, as in [::1]:50051"
        "um host IPv6 vai entre colchetes, como em [::1]:50051";
    ADDR_BAD_PORT:
        "its port must be a number from 1 to 65535"
        "a porta deve ser um número de 1 a 65535";
    ADDR_PORT_ZERO:
        "port 0 cannot be dialled; it only asks a server for any free port"
        "a porta 0 não pode ser discada; ela só pede a um servidor qualquer porta livre";
    ADDR_SCHEME:
        "drop the scheme (http://, https://); for TLS, add --tls"
        "tire o esquema (http://, https://); para TLS, acrescente --tls";
    ADDR_UNIX:
        "a unix socket is unix:PATH, e.g. unix:/tmp/hello.sock"
        "um socket unix é unix:CAMINHO, p.ex. unix:/tmp/hello.sock";

    // Server: why it could not start.
    SOCKET_IN_USE:
        "cannot listen on {addr}: a running server answers on that socket; stop it, or pick another path with --addr unix:PATH"
        "não foi possível escutar em {addr}: um servidor rodando responde nesse socket; pare-o, ou escolha outro caminho com --addr unix:PATH";
    PORT_IN_USE:
        "cannot listen on {addr}: the port is already in use (is another server running?); stop it, or pick another port with --addr HOST:PORT (127.0.0.1:0 takes any free one)"
        "não foi possível escutar em {addr}: a porta já está em uso (outro servidor está rodando?); pare-o, ou escolha outra porta com --addr HOST:PORTA (127.0.0.1:0 pega qualquer uma livre)";
    CANNOT_LISTEN_UNIX:
        "cannot listen on {addr}: {why}; pick a path in a directory you can write, with --addr unix:PATH"
        "não foi possível escutar em {addr}: {why}; escolha um caminho num diretório em que você pode escrever, com --addr unix:PATH";
    CANNOT_LISTEN:
        "cannot listen on {addr}: {why}; pick another address with --addr HOST:PORT"
        "não foi possível escutar em {addr}: {why}; escolha outro endereço com --addr HOST:PORTA";
    NOT_A_SOCKET:
        "cannot listen on {addr}: the file exists and is not a socket; pick another path with --addr unix:PATH"
        "não foi possível escutar em {addr}: o arquivo existe e não é um socket; escolha outro caminho com --addr unix:PATH";
    CANNOT_START:
        "cannot start the server: {why}"
        "não foi possível iniciar o servidor: {why}";
    REGISTRY_REFUSED:
        "{error}; a server started with --registry must be registered: is it etcd 3.4 or later, which serves the JSON gateway? or start the server without --registry"
        "{error}; um servidor iniciado com --registry precisa ser registrado: é um etcd 3.4 ou mais novo, que serve o gateway JSON? ou inicie o servidor sem --registry";
    REGISTRY_UNREACHABLE:
        "{error}; a server started with --registry must be registered: is etcd running? start it as the README's section Registry shows, or start the server without --registry"
        "{error}; um servidor iniciado com --registry precisa ser registrado: o etcd está rodando? inicie-o como mostra a seção Registry do README.md (em inglês), ou inicie o servidor sem --registry";

    // Server: starting and stopping.
    ONE_WORKER:
        "{program} server: {workers} worker thread runs the calls as tasks"
        "servidor {program}: {workers} thread de trabalho roda as chamadas como tarefas";
    WORKERS:
        "{program} server: {workers} worker threads run the calls as tasks"
        "servidor {program}: {workers} threads de trabalho rodam as chamadas como tarefas";
    LISTENING:
        "{program} server listening on {url} (Ctrl-C to stop); try: {try}"
        "servidor {program} escutando em {url} (Ctrl-C para parar); experimente: {try}";
    SHUTTING_DOWN:
        "{signal} received: shutting down"
        "{signal} recebido: desligando";
    ALL_FINISHED:
        "every call finished within the grace period"
        "todas as chamadas terminaram dentro do prazo";
    GRACE_OVER:
        "grace period of {grace} ms over: ending the calls still open with UNAVAILABLE"
        "o prazo de {grace} ms acabou: as chamadas ainda abertas terminam com UNAVAILABLE";
    STOPPED:
        "server stopped"
        "servidor parado";
}

/// `a unary server` / `um servidor unary`: a server of `program`, with the
/// article each language puts before it.
pub fn a_server(program: Program) -> String {
    match lang::lang() {
        Lang::En => format!("{} server", program.with_article()),
        Lang::Pt => format!("um servidor {program}"),
    }
}

/// An error of etcd's in this run's language: the one a student meets most
/// (etcd not running) is worded here; the others are etcd's own words.
pub fn etcd_error(error: &etcd_registry::EtcdError) -> String {
    match error {
        etcd_registry::EtcdError::Unreachable { url, why } => {
            CANNOT_REACH_ETCD.with(&[("url", url), ("why", why)])
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_is_in_both_languages_with_the_same_placeholders() {
        // Only punctuation between two sentences of this table.
        let wrong = lang::problems(ALL, &["NONE_ANSWERS_ONLY"]);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
