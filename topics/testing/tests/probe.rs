//! The probe that levels 1 and 2 end each test with can fail: it sees a
//! listening socket and a connection when there are some. (Its own binary,
//! so that no other test's sockets come and go meanwhile.)

// Test code: a failed unwrap fails the test, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{TcpListener, TcpStream};

use testing::probe::tcp_sockets;

#[test]
fn the_probe_sees_a_listening_port_and_a_connection() {
    let Some(before) = tcp_sockets() else {
        eprintln!("no /proc here (not Linux): the probe cannot look, and says so");
        return;
    };
    assert_eq!(before, 0);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    assert_eq!(tcp_sockets(), Some(1));

    // Both ends of a connection are this process's: two more.
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    assert_eq!(tcp_sockets(), Some(3));

    drop((listener, client, server));
    assert_eq!(tcp_sockets(), Some(0));
}
