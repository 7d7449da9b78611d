//! Why a TLS handshake failed, in words an operator can act on.
//!
//! rustls says why by the *type* of its error (`rustls::Error`, inside the
//! `io::Error` the acceptor returns): no certificate, an unknown issuer,
//! an expired certificate, the wrong purpose. We read it by type, never by
//! its text, and say it the way a workshop needs it said.

use std::{fmt, io, time::Duration};

use rustls::{AlertDescription, CertificateError, Error as TlsError};

/// Why a handshake did not complete.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `--mtls`: the client presented no certificate.
    NoCertificate,
    /// Its certificate was signed by a CA this server does not trust (an
    /// unknown issuer, or one with our CA's name but not its key).
    UnknownCa,
    /// Its certificate has expired.
    Expired,
    /// Its certificate is not valid yet.
    NotValidYet,
    /// Its certificate is not for clients: a server's certificate
    /// (`server.pem`) presented as a client's.
    NotForClients,
    /// Something else is wrong with its certificate, in rustls's words.
    BadCertificate(String),
    /// The client ended the handshake with this alert: usually because it
    /// does not trust *our* certificate.
    ClientAlert(AlertDescription),
    /// What came was not TLS: a plaintext client (without `--tls`).
    NotTls,
    /// The handshake did not finish in time.
    TimedOut(Duration),
    /// The client hung up mid-handshake: nothing was refused.
    HungUp,
    /// Any other failure, in its own words.
    Other(String),
}

impl Refusal {
    /// Why `error`, from rustls's acceptor, ended the handshake.
    pub fn from_io(error: &io::Error) -> Self {
        let tls = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<TlsError>());
        match tls {
            Some(tls) => Self::from_tls(tls),
            None if is_hang_up(error.kind()) => Self::HungUp,
            None => Self::Other(error.to_string()),
        }
    }

    /// Why rustls refused.
    pub fn from_tls(error: &TlsError) -> Self {
        use CertificateError as C;
        match error {
            TlsError::NoCertificatesPresented => Self::NoCertificate,
            TlsError::InvalidCertificate(why) => match why {
                // Every development CA has the same name: webpki finds
                // ours by the name another one signed with, and then its
                // signature fails. Either way, another CA signed it.
                C::UnknownIssuer | C::BadSignature => Self::UnknownCa,
                C::Expired | C::ExpiredContext { .. } => Self::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => Self::NotValidYet,
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => Self::NotForClients,
                other => Self::BadCertificate(other.to_string()),
            },
            TlsError::AlertReceived(alert) => Self::ClientAlert(*alert),
            TlsError::InvalidMessage(_) => Self::NotTls,
            other => Self::Other(other.to_string()),
        }
    }

    /// Whether an operator should see it at the default level. A caller
    /// that hung up refused nothing (a port scanner, a client killed).
    pub fn worth_a_line(&self) -> bool {
        *self != Self::HungUp
    }
}

/// Whether an I/O error only means that the peer went away.
fn is_hang_up(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCertificate => write!(
                f,
                "no client certificate (this server has --mtls: the client needs --mtls too)"
            ),
            Self::UnknownCa => write!(
                f,
                "its client certificate was signed by a CA this server does not trust (not this server's ca.pem)"
            ),
            Self::Expired => write!(f, "its client certificate has expired"),
            Self::NotValidYet => write!(
                f,
                "its client certificate is not valid yet (is a clock wrong?)"
            ),
            Self::NotForClients => write!(
                f,
                "its certificate is not a client's (a server's certificate, such as server.pem, presented as a client's)"
            ),
            Self::BadCertificate(why) => write!(f, "its client certificate is refused: {why}"),
            Self::ClientAlert(
                alert @ (AlertDescription::UnknownCA
                | AlertDescription::BadCertificate
                | AlertDescription::CertificateUnknown),
            ) => write!(
                f,
                "the client does not trust this server's certificate (it answered {alert:?}): it needs this server's ca.pem (--ca)"
            ),
            Self::ClientAlert(alert) => write!(f, "the client ended it (it answered {alert:?})"),
            Self::NotTls => write!(f, "what it sent is not TLS (a client without --tls?)"),
            Self::TimedOut(timeout) => write!(
                f,
                "not finished within {} ms (--handshake-timeout-ms)",
                timeout.as_millis()
            ),
            Self::HungUp => write!(f, "the client hung up"),
            Self::Other(why) => write!(f, "{why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_certificate_fault_is_named_by_its_type() {
        let refusal = |why| Refusal::from_tls(&TlsError::InvalidCertificate(why));
        assert_eq!(refusal(CertificateError::UnknownIssuer), Refusal::UnknownCa);
        assert_eq!(refusal(CertificateError::BadSignature), Refusal::UnknownCa);
        assert_eq!(refusal(CertificateError::Expired), Refusal::Expired);
        assert_eq!(refusal(CertificateError::NotValidYet), Refusal::NotValidYet);
        assert_eq!(
            refusal(CertificateError::InvalidPurpose),
            Refusal::NotForClients
        );
        assert_eq!(
            Refusal::from_tls(&TlsError::NoCertificatesPresented),
            Refusal::NoCertificate
        );
        // As the acceptor hands it over: inside an `io::Error`.
        let wrapped = io::Error::new(
            io::ErrorKind::InvalidData,
            TlsError::InvalidCertificate(CertificateError::Expired),
        );
        assert_eq!(Refusal::from_io(&wrapped), Refusal::Expired);
        let gone = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert!(!Refusal::from_io(&gone).worth_a_line());
        assert!(Refusal::Expired.to_string().contains("expired"));
    }
}
