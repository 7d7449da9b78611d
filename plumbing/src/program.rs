//! What a message needs to know of the program it comes from.
//!
//! This crate serves many programs (the four lesson crates, the topics,
//! the page) and knows none of them: each passes a [`Program`], a constant
//! of its own, so that an error message can name the right command to run
//! (`start it with: cargo run -p <crate> --bin server`) and the right port.

use std::fmt;

/// Every registry key of a `hello.DoStuff` server starts with this: the
/// service's name, then the program's (see [`Program::registry_prefix`]).
pub const REGISTRY_PREFIX: &str = "/hello/DoStuff/";

/// The gRPC service a program serves unless it says otherwise: the note's.
const NOTE_SERVICE: &str = "hello.DoStuff";

/// A program of this workspace, as its messages name it: declared once as a
/// constant by the crate it belongs to (a lesson's `PROGRAM`, a topic's `TOPIC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Program {
    /// The package name, which is the folder's: `cargo run -p <crate>`.
    pub name: &'static str,
    /// The binary that starts this server: `server`, or another name when
    /// a crate has two (`--bin backend`). Its clients dial only `server`s
    /// unless told otherwise.
    pub server: &'static str,
    /// Where its server listens unless told otherwise (`--addr`).
    pub default_addr: &'static str,
    /// The `hello.DoStuff` methods its server implements.
    pub methods: &'static [&'static str],
    /// The request fields its server checks, each with the client flag
    /// that sets it (`("count", "--count")`): a refused value is then
    /// advised by the flag to change.
    pub field_flags: &'static [(&'static str, &'static str)],
    /// The gRPC service its server reports to health checkers and
    /// registers under in etcd: `hello.DoStuff` unless told otherwise.
    pub service: &'static str,
}

impl Program {
    /// The program of crate `name`, whose `server` binary listens on
    /// `default_addr` and implements `methods`.
    pub const fn new(
        name: &'static str,
        default_addr: &'static str,
        methods: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            server: "server",
            default_addr,
            methods,
            field_flags: &[],
            service: NOTE_SERVICE,
        }
    }

    /// The same program, serving the gRPC service `service` (its full
    /// name, `package.Service`) instead of `hello.DoStuff`: its health
    /// status and its registry entries are under that name.
    pub const fn with_service(self, service: &'static str) -> Self {
        Self { service, ..self }
    }

    /// The same program, its server started by the binary `server`
    /// (`--bin backend`) instead of `server`.
    pub const fn with_server_binary(self, server: &'static str) -> Self {
        Self { server, ..self }
    }

    /// The same program, whose server checks the request fields of
    /// `field_flags`, each set by the client flag beside it.
    pub const fn with_field_flags(
        self,
        field_flags: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self {
            field_flags,
            ..self
        }
    }

    /// The crate's name after "a" or "an", as a sentence needs it:
    /// "a streaming server", "an errors server".
    pub fn with_article(self) -> String {
        // Not 'u': a crate name starting with "u" is said "you-", so "a u...".
        let article = if self.name.starts_with(['a', 'e', 'i', 'o']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.name)
    }

    /// The command a student types to start this program's server.
    pub fn server_command(self) -> String {
        format!("cargo run -p {} --bin {}", self.name, self.server)
    }

    /// Whether this program's client reaches this server with no `--addr`:
    /// not so for a crate's second server (the propagation backend, say).
    pub fn dialled_by_default(self) -> bool {
        self.server == "server"
    }

    /// The command a student types to start this program's client.
    pub fn client_command(self) -> String {
        format!("cargo run -p {} --bin client", self.name)
    }

    /// Where servers of this program register in etcd (`--registry`): each
    /// under `{prefix}{host:port}`, e.g. `/hello/DoStuff/errors/127.0.0.1:8901`
    /// (the service's name, its dots made slashes, then the program's).
    pub fn registry_prefix(self) -> String {
        format!("/{}/{self}/", self.service.replace('.', "/"))
    }

    /// The client flag that sets the request field a server's message
    /// starts with ("count must be at most ..." -> `--count`), if any.
    pub fn flag_named_in(self, message: &str) -> Option<&'static str> {
        let field = message.split_whitespace().next()?;
        (self.field_flags.iter())
            .find(|(name, _)| *name == field)
            .map(|(_, flag)| *flag)
    }
}

impl fmt::Display for Program {
    /// The crate's name, and for a second server its binary's: "errors",
    /// "propagation backend".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dialled_by_default() {
            f.write_str(self.name)
        } else {
            write!(f, "{} {}", self.name, self.server)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ERRORS: Program = Program::new("errors", "127.0.0.1:8901", &["greet"]);
    const BACKEND: Program =
        Program::new("relaying", "127.0.0.1:9", &["m"]).with_server_binary("backend");

    #[test]
    fn a_program_is_named_with_the_right_article_and_command() {
        assert_eq!(ERRORS.with_article(), "an errors");
        assert_eq!(
            Program::new("unicorn", "127.0.0.1:1", &[]).with_article(),
            "a unicorn"
        );
        assert_eq!(ERRORS.server_command(), "cargo run -p errors --bin server");
        assert_eq!(
            BACKEND.server_command(),
            "cargo run -p relaying --bin backend"
        );
        assert_eq!(BACKEND.to_string(), "relaying backend");
        assert_eq!(
            BACKEND.registry_prefix(),
            "/hello/DoStuff/relaying backend/"
        );
        assert!(BACKEND.registry_prefix().starts_with(REGISTRY_PREFIX));
        assert_eq!(
            ERRORS.with_service("upgrade.Greeter").registry_prefix(),
            "/upgrade/Greeter/errors/"
        );
    }

    #[test]
    fn a_refused_field_is_advised_by_its_flag() {
        let streaming = ERRORS.with_field_flags(&[("count", "--count")]);
        assert_eq!(
            streaming.flag_named_in("count must be at most 5, got 9"),
            Some("--count")
        );
        assert_eq!(streaming.flag_named_in("pid is negative"), None);
        assert_eq!(ERRORS.flag_named_in("count must be at most 5"), None);
    }
}
