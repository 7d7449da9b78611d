//! The addresses a server gives out: to clients in its "try:" line, and
//! to the registry.

use std::net::SocketAddr;

use tracing::warn;

use super::Listening;
use crate::{Program, cli::ServerArgs};

/// The flags a client needs to reach this server, for the "try:" line.
pub(super) fn client_flags(program: Program, args: &ServerArgs, listening: &Listening) -> String {
    let mut flags = Vec::new();
    match (&args.registry, listening) {
        // The registry entry tells the client the address, and TLS.
        (Some(url), _) => flags.push(format!("--registry {url}")),
        (None, Listening::Unix(_)) => flags.push(format!("--addr {listening}")),
        (None, Listening::Tcp(addr)) => {
            let dial = advertised_quietly(*addr);
            if dial != program.default_addr || !program.dialled_by_default() {
                flags.push(format!("--addr {dial}"));
            }
            if args.mtls {
                flags.push("--mtls".to_owned());
            } else if args.speaks_tls() {
                flags.push("--tls".to_owned());
            }
        }
    }
    // The token is never printed: the client is told where it goes.
    if args.token.is_some() {
        flags.push("--token <TOKEN>".to_owned());
    }
    // Certificates elsewhere than the default: the client must trust their CA.
    if args.speaks_tls()
        && let Some(dir) = &args.certs
    {
        flags.push(format!("--ca {}", dir.join("ca.pem").display()));
    }
    if flags.is_empty() {
        String::new()
    } else {
        format!(" -- {}", flags.join(" "))
    }
}

/// The address to give clients for a server bound to `addr`: a server
/// bound to every interface (`0.0.0.0`) cannot be dialled at that address,
/// so `127.0.0.1` stands in for it.
fn advertised_quietly(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// [`advertised_quietly`], with a warning that other machines cannot use
/// it: what a server bound to every interface registers in etcd.
pub(super) fn advertised(addr: SocketAddr) -> String {
    let dial = advertised_quietly(addr);
    if addr.ip().is_unspecified() {
        warn!(
            "bound to {addr}: registering {dial}, which only this machine can reach; to be reached from others, listen on this machine's address with --addr IP:{port}",
            port = addr.port()
        );
    }
    dial
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A program whose default port is the note's.
    const NOTES: Program = Program::new("notes", "127.0.0.1:50051", &[]);

    #[test]
    fn the_try_line_gives_clients_an_address_they_can_dial_and_the_ca_to_trust() {
        let anywhere: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        let plain = ServerArgs::default();
        assert_eq!(
            client_flags(NOTES, &plain, &Listening::Tcp(anywhere)),
            " -- --addr 127.0.0.1:9000"
        );

        let default: SocketAddr = "127.0.0.1:50051".parse().unwrap();
        assert_eq!(client_flags(NOTES, &plain, &Listening::Tcp(default)), "");

        let with_token = ServerArgs {
            token: Some("s3cret".into()),
            ..ServerArgs::default()
        };
        assert_eq!(
            client_flags(NOTES, &with_token, &Listening::Tcp(default)),
            " -- --token <TOKEN>"
        );

        let tls_elsewhere = ServerArgs {
            tls: true,
            certs: Some("certs".into()),
            ..ServerArgs::default()
        };
        let ca = std::path::Path::new("certs").join("ca.pem");
        assert_eq!(
            client_flags(NOTES, &tls_elsewhere, &Listening::Tcp(default)),
            format!(" -- --tls --ca {}", ca.display())
        );

        let socket = Listening::Unix("/tmp/hello.sock".into());
        assert_eq!(
            client_flags(NOTES, &plain, &socket),
            " -- --addr unix:/tmp/hello.sock"
        );
    }
}
