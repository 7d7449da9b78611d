//! A student who asked for Portuguese reads Portuguese: the one-line
//! errors, their advice, and the system's errors inside them. A test file
//! of its own, so a process of its own: the language is chosen once per
//! process, and the other tests read English.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
    server::StartError,
};
use test_support::{closed_addr, say_hello, start, stub};

#[tokio::test]
async fn a_student_who_asked_for_portuguese_reads_portuguese() {
    lang::set_lang(lang::Lang::Pt);

    // An --addr refused, by what is wrong with it.
    let bad = plumbing::addr::check("127.0.0.1;50051", false).unwrap_err();
    assert_eq!(
        bad.to_string(),
        "--addr 127.0.0.1;50051 não é HOST:PORTA: um ';' onde vai o ':' antes da porta; p.ex. --addr 127.0.0.1:8888"
    );

    // A server that is not there: the advice, and the system's error in
    // the sentence's language.
    let addr = closed_addr().to_string();
    let args = ClientArgs {
        addr: vec![addr.clone()],
        ..ClientArgs::default()
    };
    let status = say_hello(&mut stub(&args).await.unwrap(), 1, None)
        .await
        .expect_err("nothing listens there");
    let line = explain(
        &ClientError::Call(status),
        &Context::new(unary::PROGRAM, &args),
    );
    assert!(
        line.starts_with(&format!("nada escuta em {addr} (UNAVAILABLE: ")),
        "{line}"
    );
    assert!(
        line.contains(
            "o servidor unary está rodando? inicie-o com: cargo run -p unary --bin server"
        ),
        "{line}"
    );
    if cfg!(target_os = "linux") {
        assert!(line.contains("conexão recusada (os error 111)"), "{line}");
    }

    // A port in use: why the server cannot start.
    let running = start(ServerArgs::default()).await;
    let taken = running.addr().to_string();
    let second = ServerArgs {
        addr: Some(taken.clone()),
        ..ServerArgs::default()
    };
    let Err(refused) = plumbing::server::bind(unary::PROGRAM, &second).await else {
        panic!("a second server bound a port in use");
    };
    assert!(matches!(refused, StartError::PortInUse(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        format!(
            "não foi possível escutar em {taken}: a porta já está em uso (outro servidor está rodando?); pare-o, ou escolha outra porta com --addr HOST:PORTA (127.0.0.1:0 pega qualquer uma livre)"
        )
    );

    // etcd not running, whole sentence in Portuguese (etcd's own reason
    // in parentheses), as a server with --registry reports it.
    let etcd = StartError::Registry(etcd_registry::EtcdError::Unreachable {
        url: "http://127.0.0.1:2379".to_owned(),
        why: "Connection refused (os error 111)".to_owned(),
    });
    assert_eq!(
        etcd.to_string(),
        "não foi possível alcançar o etcd em http://127.0.0.1:2379 (Connection refused (os error 111)); um servidor iniciado com --registry precisa ser registrado: o etcd está rodando? inicie-o como mostra a seção Registry do README.md (em inglês), ou inicie o servidor sem --registry"
    );
}
