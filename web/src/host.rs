//! Which names the page answers to: a defence against DNS rebinding.
//!
//! A page on another site (`http://evil.example`) may not read our page:
//! the browser's same-origin rule forbids it. But its owner controls the
//! name's DNS: it answers once with the attacker's address, then with
//! `127.0.0.1`. The browser, still at "evil.example", now talks to *this*
//! server, as the same origin: the attacker's script can read `/events`
//! and make calls from a student's browser. What the browser cannot hide is
//! the name: every request carries it in `Host: evil.example`.
//!
//! So the server answers only requests whose `Host` is a name no one else
//! controls: an IP address (`127.0.0.1`, or the instructor's LAN address
//! that a class types), `localhost`, or a name given with `--allow-host`
//! (the instructor machine's name, say). Any other gets 403 and one line
//! saying so, before any route sees it.
//!
//! The check is made on HTTP/1.x requests, which is how a browser talks to
//! this port: no browser speaks HTTP/2 without TLS, and over TLS a rebound
//! name fails the certificate check before any request is sent. So the CLI
//! clients, which speak HTTP/2 and send the address they dialled as
//! `:authority`, are never refused for the name they used
//! (`--addr instructor-laptop.local:8080` works without `--allow-host`).

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The names, besides IP addresses and `localhost`, that requests may be
/// addressed to (`--allow-host`).
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    /// The names, as given (compared without regard to case).
    names: Arc<[String]>,
}

impl AllowedHosts {
    /// Allows `names` beside IP addresses and `localhost`.
    pub fn new(names: &[String]) -> Self {
        Self {
            names: names.iter().map(|name| name.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether a request addressed to `host` (a `Host` header's value: a
    /// name or address, and maybe a port) may be answered.
    pub fn allows(&self, host: &str) -> bool {
        let Ok(authority) = host.parse::<http::uri::Authority>() else {
            return false;
        };
        // `[::1]` in a Host header is `::1`; `localhost.` is `localhost`.
        let name = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let name = name.strip_suffix('.').unwrap_or(name);
        name.parse::<IpAddr>().is_ok()
            || name.eq_ignore_ascii_case("localhost")
            || self
                .names
                .iter()
                .any(|allowed| name.eq_ignore_ascii_case(allowed))
    }
}

/// The middleware that refuses an HTTP/1.x request addressed to a name
/// [`AllowedHosts`] does not allow: 403, and why in one line.
pub async fn check(State(allowed): State<AllowedHosts>, request: Request, next: Next) -> Response {
    if request.version() >= http::Version::HTTP_2 {
        return next.run(request).await;
    }
    // The `Host` header, and a request line's own `http://name/...` (which
    // would take precedence): each that is there must be allowed. A request
    // without either (HTTP/1.0) comes from no browser.
    let from_uri = request.uri().authority().map(|a| a.as_str().to_owned());
    let from_header = (request.headers().get(header::HOST))
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let refused = [from_uri, from_header]
        .into_iter()
        .flatten()
        .find(|host| !allowed.allows(host));
    match refused {
        Some(host) => refuse(&host),
        None => next.run(request).await,
    }
}

/// 403 for a request addressed to `host`, with why and what to do.
fn refuse(host: &str) -> Response {
    let why = format!(
        "this server answers requests addressed to an IP address, localhost, or a name given with --allow-host, not to {host:?}; open it by its address, or start it with --allow-host NAME\n"
    );
    let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    (StatusCode::FORBIDDEN, headers, why).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_localhost_and_allowed_names_pass_and_no_other_name() {
        let allowed = AllowedHosts::new(&["Instructor.local".to_owned()]);
        for host in [
            "127.0.0.1:8080",
            "192.168.1.20:8080",
            "[::1]:8080",
            "[fe80::1]",
            "localhost:8080",
            "LOCALHOST",
            "localhost.:8080",
            "instructor.local:8080",
        ] {
            assert!(allowed.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "",
            "bad host",
        ] {
            assert!(!allowed.allows(host), "{host}");
        }
    }
}
