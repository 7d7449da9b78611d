//! The four kinds of gRPC call, one lesson crate each, and the topic crates
//! under `topics/` that build on them.
//!
//! Everything that differs between the crates but is not the lesson itself
//! (the default port, the command that starts a server, which methods a
//! server implements) is written down here once, so that error messages can
//! point a student at the right crate.

use std::fmt;

/// Every registry key of ours starts with this: the service's name, then
/// the kind (see [`Kind::registry_prefix`]).
pub const REGISTRY_PREFIX: &str = "/hello/DoStuff/";

/// A topic crate under `topics/` (see its README): what [`Kind`] needs to
/// know of it to name it in messages. Each topic declares one as a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Topic {
    /// The package name, which is the folder's: `cargo run -p errors`.
    pub name: &'static str,
    /// The binary that starts this server: `server`, or another name when
    /// a topic has two (`--bin backend`). Its clients dial only `server`s
    /// unless told otherwise.
    pub server: &'static str,
    /// Where its server listens unless told otherwise (`--addr`).
    pub default_addr: &'static str,
    /// The `hello.DoStuff` methods its server implements.
    pub methods: &'static [&'static str],
}

/// One of gRPC's four call kinds and the crate of this workspace that
/// teaches it, or a topic crate built on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// One request, one reply: `say_hello`, `say_hello_again`.
    Unary,
    /// One request, a stream of replies: `say_hello_stream`.
    ServerStreaming,
    /// A stream of requests, one reply: `say_hello_many`.
    ClientStreaming,
    /// Streams both ways on one call: `say_hello_chat`.
    BidiStreaming,
    /// A topic crate under `topics/`, which uses the same plumbing.
    Topic(Topic),
}

impl Kind {
    /// The four call kinds, in the order a student meets them.
    pub const ALL: [Kind; 4] = [
        Kind::Unary,
        Kind::ServerStreaming,
        Kind::ClientStreaming,
        Kind::BidiStreaming,
    ];

    /// The crate (and `cargo run -p` package) that teaches this kind.
    pub const fn crate_name(self) -> &'static str {
        match self {
            Kind::Unary => "unary",
            Kind::ServerStreaming => "server-streaming",
            Kind::ClientStreaming => "client-streaming",
            Kind::BidiStreaming => "bidi-streaming",
            Kind::Topic(topic) => topic.name,
        }
    }

    /// Where this kind's server listens unless told otherwise. Unary keeps the
    /// lecture note's port 8888; the others follow it, so all four can run at once.
    pub const fn default_addr(self) -> &'static str {
        match self {
            Kind::Unary => "127.0.0.1:8888",
            Kind::ServerStreaming => "127.0.0.1:8889",
            Kind::ClientStreaming => "127.0.0.1:8890",
            Kind::BidiStreaming => "127.0.0.1:8891",
            Kind::Topic(topic) => topic.default_addr,
        }
    }

    /// The `hello.DoStuff` methods this kind's server implements.
    pub const fn methods(self) -> &'static [&'static str] {
        match self {
            Kind::Unary => &["say_hello", "say_hello_again"],
            Kind::ServerStreaming => &["say_hello_stream"],
            Kind::ClientStreaming => &["say_hello_many"],
            Kind::BidiStreaming => &["say_hello_chat"],
            Kind::Topic(topic) => topic.methods,
        }
    }

    /// Which of the four kinds' servers implements `method` (a bare name
    /// such as `say_hello_stream`), if any.
    pub fn serving(method: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.methods().contains(&method))
    }

    /// The crate's name after "a" or "an", as a sentence needs it:
    /// "a unary server", "an errors server".
    pub fn with_article(self) -> String {
        let name = self.crate_name();
        // Not 'u': "unary" is said "you-nary", so "a unary".
        let article = if name.starts_with(['a', 'e', 'i', 'o']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    /// The command a student types to start this kind's server.
    pub fn server_command(self) -> String {
        let bin = match self {
            Kind::Topic(topic) => topic.server,
            _ => "server",
        };
        format!("cargo run -p {} --bin {bin}", self.crate_name())
    }

    /// Whether this kind's client reaches this server with no `--addr`:
    /// not so for a topic's second server (the propagation backend, say).
    pub fn dialled_by_default(self) -> bool {
        !matches!(self, Kind::Topic(topic) if topic.server != "server")
    }

    /// The command a student types to start this kind's client.
    pub fn client_command(self) -> String {
        format!("cargo run -p {} --bin client", self.crate_name())
    }

    /// Where servers of this kind register in etcd (`--registry`): each
    /// under `{prefix}{host:port}`, e.g. `/hello/DoStuff/unary/127.0.0.1:8888`.
    pub fn registry_prefix(self) -> String {
        format!("{REGISTRY_PREFIX}{self}/")
    }
}

impl fmt::Display for Kind {
    /// The crate's name, and for a topic's second server its binary's:
    /// "unary", "propagation backend".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Topic(topic) if topic.server != "server" => {
                write!(f, "{} {}", topic.name, topic.server)
            }
            _ => f.write_str(self.crate_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_exactly_one_serving_kind() {
        for kind in Kind::ALL {
            for method in kind.methods() {
                assert_eq!(Kind::serving(method), Some(kind));
            }
        }
        assert_eq!(Kind::serving("say_goodbye"), None);
    }

    #[test]
    fn a_topic_is_named_with_the_right_article() {
        const ERRORS: Topic = Topic {
            name: "errors",
            server: "server",
            default_addr: "127.0.0.1:8901",
            methods: &["say_hello"],
        };
        assert_eq!(Kind::Unary.with_article(), "a unary");
        assert_eq!(Kind::Topic(ERRORS).with_article(), "an errors");
        assert_eq!(
            Kind::Topic(ERRORS).server_command(),
            "cargo run -p errors --bin server"
        );
    }
}
