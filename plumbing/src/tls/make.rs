//! Making the development CA and its certificates, on first use.

use std::{
    fs,
    io::Write,
    path::Path,
    sync::atomic::{AtomicUsize, Ordering},
};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};

use super::CLIENT_NAME;

/// Makes a development CA and a server certificate signed by it, in `dir`.
///
/// Each certificate says what it is for (its *extended key usage*): the
/// server's `serverAuth`, the client's `clientAuth`. Without it, a
/// certificate is good for any purpose, and a client holding `server.pem`
/// and `server.key` could present them as its own under `--mtls` (it would
/// be "called by localhost"). With it, the verifier on either side refuses a
/// certificate made for the other.
///
/// The files are written to a fresh directory beside `dir`, which is then
/// renamed to `dir` in one step: two servers started at once cannot mix
/// their files, and a reader never sees half a file.
pub(super) fn generate(dir: &Path) -> Result<(), String> {
    let failed = |e: rcgen::Error| format!("could not make the development certificates: {e}");

    // The CA: a key pair and a certificate that says "I may sign others".
    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca_params = CertificateParams::default();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "hello-proto development CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
    let ca = Issuer::new(ca_params, ca_key);

    // The server certificate: valid for the names clients dial. Each string
    // that parses as an IP address becomes an IP entry, the rest DNS names.
    // For serving only: a client presenting it is refused.
    let server_key = KeyPair::generate().map_err(failed)?;
    let mut server_params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .map_err(failed)?;
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params.signed_by(&server_key, &ca).map_err(failed)?;

    // The client certificate, for mutual TLS: its name says who calls. For
    // calling only: a server presenting it is refused.
    let client_key = KeyPair::generate().map_err(failed)?;
    let mut client_params = CertificateParams::new(vec![CLIENT_NAME.to_owned()]).map_err(failed)?;
    client_params
        .distinguished_name
        .push(DnType::CommonName, CLIENT_NAME);
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &ca).map_err(failed)?;

    // A staging directory of this call's own: two servers (or two threads
    // of one test program) making certificates at once must not write into
    // the same one, or a key could end up beside another's certificate.
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let call = MADE.fetch_add(1, Ordering::Relaxed);
    let staging = dir.with_extension(format!("new-{}-{call}", std::process::id()));
    fs::create_dir_all(&staging).map_err(|e| cannot_write(&staging, &e))?;
    write(&staging.join("ca.pem"), &ca_cert.pem(), false)?;
    write(&staging.join("server.pem"), &server_cert.pem(), false)?;
    write(
        &staging.join("server.key"),
        &server_key.serialize_pem(),
        true,
    )?;
    write(&staging.join("client.pem"), &client_cert.pem(), false)?;
    write(
        &staging.join("client.key"),
        &client_key.serialize_pem(),
        true,
    )?;

    // An empty directory (say, made by hand for --certs) is replaced.
    if is_empty_dir(dir) {
        let _ = fs::remove_dir(dir);
    }
    if fs::rename(&staging, dir).is_err() {
        // Another server got there first: use its files, drop ours.
        let _ = fs::remove_dir_all(&staging);
        if !dir.join("server.key").exists() {
            return Err(cannot_write(dir, &std::io::Error::other("rename failed")));
        }
    }
    Ok(())
}

/// Whether `dir` exists and holds nothing.
pub(super) fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Writes `contents` to `path`; a private key is made readable by its owner
/// only (mode 0600 on Unix), as ssh insists for its keys too.
fn write(path: &Path, contents: &str, private: bool) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents.as_bytes()))
        .map_err(|e| cannot_write(path, &e))
}

/// The message for a file or directory that cannot be written.
fn cannot_write(path: &Path, error: &std::io::Error) -> String {
    format!(
        "cannot write {}: {error}; pass --certs DIR with a directory you can write",
        path.display()
    )
}
