//! Encryption with TLS: the note's "criptografia".
//!
//! TLS needs a certificate that the client trusts. On the internet a public
//! authority signs it; in a workshop we play the authority ourselves: the
//! first `--tls` server makes a small *development CA* (a key plus a
//! self-signed certificate) and signs a server certificate for `localhost`
//! and `127.0.0.1` with it. Clients trust `ca.pem`, and so trust the server.
//!
//! Mutual TLS (`--mtls`) turns it round as well: the server asks the client
//! for a certificate, and accepts only one the same CA signed. So the CA
//! also signs a client certificate, whose name (`hello-client`) the server
//! logs with each call: the server now knows *who* calls, not just that the
//! line is private. Each certificate also says what it is for (its
//! *extended key usage*: `serverAuth` for the server's, `clientAuth` for the
//! client's), so a client presenting `server.pem` is refused: holding the
//! server's files must not make one a client too.
//!
//! The files (`ca.pem`, `server.pem`, `server.key`, `client.pem`,
//! `client.key`) go to `target/dev-certs/` of the workspace
//! ([`default_dir`]), which `cargo clean` removes and git ignores. They are
//! for learning only: anyone with `server.key` can pose as your server, and
//! anyone with `client.key` as your client.

mod make;
mod server;

use std::{
    fs,
    path::{Path, PathBuf},
    sync::Arc,
};

use make::{generate, is_empty_dir};
use rustls::ServerConfig;
use server::ServerCertAsClient;
use tonic::transport::{Certificate, CertificateDer, ClientTlsConfig, Identity};

/// The name in the development client certificate (its subject alternative
/// name, and its common name), which an `--mtls` server logs.
pub const CLIENT_NAME: &str = "hello-client";

/// The certificate directory used when `--certs`/`--ca` are not given:
/// `dev-certs` in the Cargo target directory this program was built in
/// (`target/dev-certs` beside `target/debug/server`), so every server and
/// client built in one workspace finds the same CA.
///
/// Found when the program runs, from its own path, not when it is built:
/// a program copied elsewhere, or built with `CARGO_TARGET_DIR`, must not
/// write keys under the build machine's paths. A program that is not in a
/// Cargo target directory uses `dev-certs` in the current directory.
pub fn default_dir() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|program| cargo_target_dir(&program));
    target.unwrap_or_default().join("dev-certs")
}

/// The Cargo target directory that holds `program`, if it is in one:
/// `target/` for `target/debug/server` (or a test's `target/debug/deps/..`).
fn cargo_target_dir(program: &Path) -> Option<PathBuf> {
    let mut dir = program.parent()?;
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir = dir.parent()?;
    }
    // A profile directory (`debug`, `release`) is where Cargo keeps its
    // fingerprints; the target directory is the one above it.
    let is_profile_dir = dir.join(".fingerprint").is_dir();
    is_profile_dir
        .then(|| dir.parent())
        .flatten()
        .map(Path::to_path_buf)
}

/// Loads the server's certificate and key from `dir`, creating the
/// development CA and certificates first if `dir` does not exist yet. With
/// `mtls`, the server also demands a client certificate that CA signed for
/// a client (not `server.pem`, which says it is for servers).
///
/// Returns rustls's settings, which the server's own TLS handshake uses
/// (`server::handshake`), and whether the files were just created.
pub fn server_config(dir: &Path, mtls: bool) -> Result<(Arc<ServerConfig>, bool), String> {
    let created = !dir.exists() || is_empty_dir(dir);
    if created {
        generate(dir)?;
    }
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    if !(cert.exists() && key.exists() && dir.join("ca.pem").exists()) {
        return Err(format!(
            "{} lacks ca.pem, server.pem or server.key; delete the directory to make new ones (clients must then trust the new ca.pem)",
            dir.display()
        ));
    }
    if mtls && !dir.join("client.pem").exists() {
        return Err(format!(
            "{} has no client certificate for --mtls (it was made before --mtls existed); delete the directory to make new ones (clients must then trust the new ca.pem)",
            dir.display()
        ));
    }
    // Trust for clients, with --mtls: a client must show a certificate
    // this CA signed, or the handshake fails.
    let client_ca = if mtls {
        Some(read(&dir.join("ca.pem"))?)
    } else {
        None
    };
    let pems = server::Pems {
        cert: read(&cert)?,
        key: read(&key)?,
        client_ca,
    };
    let (config, server_as_client) =
        server::config(&pems).map_err(|e| format!("{}: {e}", dir.display()))?;
    if server_as_client == Some(ServerCertAsClient::Accepted) {
        return Err(format!(
            "{} holds certificates made before each said what it is for, so server.pem would pass as a client's under --mtls; delete the directory to make new ones (clients must then trust the new ca.pem)",
            dir.display()
        ));
    }
    Ok((config, created))
}

/// TLS settings for a client that trusts the CA certificate in `ca_file`,
/// and with `mtls` presents the client certificate beside it
/// (`client.pem`, `client.key`).
///
/// `chosen` says whether the user named the file (`--ca`), or it is the
/// development CA's default place, which a server creates: the advice for a
/// file that cannot be read differs.
pub fn client_config(ca_file: &Path, chosen: bool, mtls: bool) -> Result<ClientTlsConfig, String> {
    let ca = read(ca_file).map_err(|e| {
        if chosen {
            format!("{e}; check the path given to --ca")
        } else {
            format!(
                "{e}; start a server with --tls first (it creates this CA), or, for a server started with --certs DIR, pass --ca DIR/ca.pem"
            )
        }
    })?;
    let config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
    if !mtls {
        return Ok(config);
    }
    let dir = ca_file.parent().unwrap_or(Path::new("."));
    let (cert, key) = (dir.join("client.pem"), dir.join("client.key"));
    let identity = read(&cert)
        .and_then(|cert| Ok(Identity::from_pem(cert, read(&key)?)))
        .map_err(|e| {
            format!(
                "{e}; the client certificate comes with the CA: delete {} and start a server with --mtls to make all of them anew",
                dir.display()
            )
        })?;
    Ok(config.identity(identity))
}

/// Who the client is, from the certificates it presented (mutual TLS): the
/// first DNS name in its certificate (the development one says
/// [`CLIENT_NAME`]).
pub fn client_name(certs: &[CertificateDer<'_>]) -> String {
    let name = certs.first().and_then(|der| {
        let cert = webpki::EndEntityCert::try_from(der).ok()?;
        cert.valid_dns_names().next().map(str::to_owned)
    });
    name.unwrap_or_else(|| "a certificate with no DNS name".to_owned())
}

/// Reads a whole file, or says which one could not be read and why.
fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_is_found_from_the_programs_own_path() {
        let target = std::env::temp_dir().join(format!("hello-target-{}", std::process::id()));
        let profile = target.join("debug");
        fs::create_dir_all(profile.join(".fingerprint")).unwrap();
        assert_eq!(
            cargo_target_dir(&profile.join("server")),
            Some(target.clone())
        );
        assert_eq!(
            cargo_target_dir(&profile.join("deps").join("lesson-1f2e")),
            Some(target.clone())
        );
        // A program copied out of the target directory is in none.
        assert_eq!(cargo_target_dir(&target.join("server")), None);
        fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn makes_the_files_once_and_reuses_them() {
        let dir = std::env::temp_dir().join(format!("hello-proto-tls-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (_, created) = server_config(&dir, false).unwrap();
        assert!(created);
        let ca = fs::read(dir.join("ca.pem")).unwrap();
        let (_, created_again) = server_config(&dir, true).unwrap();
        assert!(!created_again);
        assert_eq!(
            fs::read(dir.join("ca.pem")).unwrap(),
            ca,
            "the CA was replaced"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for key in ["server.key", "client.key"] {
                let mode = fs::metadata(dir.join(key)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{key}");
            }
        }
        // The client certificate names the client.
        let pem = fs::read_to_string(dir.join("client.pem")).unwrap();
        let der = pem_body(&pem);
        assert_eq!(client_name(&[CertificateDer::from(der)]), CLIENT_NAME);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn certificates_made_before_they_said_their_purpose_are_refused_under_mtls() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let dir = std::env::temp_dir().join(format!("hello-old-certs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // As `make.rs` made them before: no extended key usage anywhere.
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::default();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let ca = Issuer::new(ca_params, ca_key);
        fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
        for (name, dns) in [("server", "localhost"), ("client", CLIENT_NAME)] {
            let key = KeyPair::generate().unwrap();
            let params = CertificateParams::new(vec![dns.to_owned()]).unwrap();
            let cert = params.signed_by(&key, &ca).unwrap();
            fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
            fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
        }
        let refused = server_config(&dir, true).unwrap_err();
        assert!(
            refused.contains("server.pem would pass as a client's")
                && refused.contains("delete the directory to make new ones")
                && !refused.contains('\n'),
            "{refused}"
        );
        // TLS alone asks no client for a certificate: nothing to refuse.
        assert!(server_config(&dir, false).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// The DER bytes of a one-certificate PEM file.
    fn pem_body(pem: &str) -> Vec<u8> {
        use base64::Engine as _;
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }
}
