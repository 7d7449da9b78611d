//! The workshop's commands, declared once for both of its programs.
//!
//! `workshop` (what you run) parses them, does the ones that need no
//! compiled exercise itself (`hint`, `reset`, `restore`, `watch`), and
//! hands the others to `workshop-check` by passing on the very arguments
//! you typed; `workshop-check` parses them with the same declaration.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::text::Lang;

/// Sixteen gRPC exercises that check themselves: see WORKSHOP.md.
#[derive(Parser, Debug)]
#[command(about, args_override_self = true)]
pub struct Args {
    /// en or pt [default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG, else en]
    #[arg(long, global = true)]
    pub lang: Option<String>,
    /// What to do; with nothing, list the exercises and name the next.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Args {
    /// The language asked for with `--lang`, else the locale's.
    pub fn lang(&self) -> Lang {
        (self.lang.as_deref())
            .and_then(Lang::parse)
            .unwrap_or_else(Lang::from_locale)
    }
}

/// The workshop's commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every exercise, done or not yet, and the next (what no command does)
    List,
    /// Check exercise N against a real server, and say what is still wrong
    Check {
        /// The exercise, 1 to 16
        number: u8,
    },
    /// Check again each time you save: exercise N, or the next not done
    Watch {
        /// The exercise, 1 to 16 [default: the first not done]
        number: Option<u8>,
    },
    /// A hint for exercise N, and where its solution is
    Hint {
        /// The exercise, 1 to 16
        number: u8,
    },
    /// Put exercise N's starter file back (yours is kept as .rs.bak)
    Reset {
        /// The exercise, 1 to 16
        number: u8,
    },
    /// Bring back the attempt `reset N` kept as .rs.bak
    Restore {
        /// The exercise, 1 to 16
        number: u8,
    },
    /// One line for the instructor: `done: 1 2 3 5; next: 4`
    Progress {
        /// As JSON, for a script that collects a class's lines
        #[arg(long)]
        json: bool,
        /// Also show it on the instructor's page: its address, as the
        /// projector shows it (http://192.168.0.10:8080, or HOST:PORT)
        #[arg(long, value_name = "URL", requires = "name")]
        share: Option<String>,
        /// With --share: your name on the instructor's page (at most 40 characters)
        #[arg(long, value_name = "NAME", requires = "share")]
        name: Option<String>,
    },
    /// Serve your exercise N for a classmate to call
    Serve {
        /// The exercise, 1 to 16
        number: u8,
        /// Where to listen; 0.0.0.0:PORT lets others in [default: 127.0.0.1, port 50050 + N]
        #[arg(long)]
        addr: Option<String>,
        /// Exercise 10: where to write the CA certificate callers must trust
        #[arg(long)]
        ca_out: Option<PathBuf>,
    },
    /// Call a classmate's `serve N` with your client (see WORKSHOP.md)
    Call {
        /// The exercise, 1 to 16
        number: u8,
        /// The classmate's server, HOST:PORT
        #[arg(long)]
        addr: String,
        /// Exercise 10: the CA certificate their `serve 10` wrote
        #[arg(long)]
        ca: Option<PathBuf>,
        /// The exercise's own arguments: a name, a pid, numbers...
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// What `watch` runs after each save: the next exercise's check
    #[command(hide = true)]
    WatchStep {
        /// The exercise checked last time: if it is done now, show it
        #[arg(long)]
        after: Option<u8>,
        /// Where to write which exercise was checked, and whether it is done
        #[arg(long)]
        state: PathBuf,
    },
}

impl Command {
    /// The exercise this command is about, if it names one.
    pub fn number(&self) -> Option<u8> {
        match self {
            Command::Check { number }
            | Command::Hint { number }
            | Command::Reset { number }
            | Command::Restore { number }
            | Command::Serve { number, .. }
            | Command::Call { number, .. }
            | Command::Watch {
                number: Some(number),
            } => Some(*number),
            Command::List
            | Command::Watch { number: None }
            | Command::Progress { .. }
            | Command::WatchStep { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declaration_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }

    #[test]
    fn a_lang_given_twice_is_the_last() {
        // `workshop` puts its language first, then passes on yours.
        let args = Args::parse_from(["workshop", "--lang", "en", "check", "3", "--lang", "pt"]);
        assert_eq!(args.lang(), Lang::Pt);
        assert_eq!(args.command.and_then(|c| c.number()), Some(3));
    }

    #[test]
    fn share_and_name_go_together() {
        let args = Args::parse_from(["w", "progress", "--share", "h:1", "--name", "ana"]);
        let Some(Command::Progress { share, name, .. }) = args.command else {
            panic!("not progress");
        };
        assert_eq!(
            (share.as_deref(), name.as_deref()),
            (Some("h:1"), Some("ana"))
        );
        assert!(Args::try_parse_from(["w", "progress", "--share", "h:1"]).is_err());
        assert!(Args::try_parse_from(["w", "progress", "--name", "ana"]).is_err());
    }

    #[test]
    fn a_call_keeps_its_own_arguments_even_negative_ones() {
        let args = Args::parse_from(["workshop", "call", "2", "--addr", "h:1", "--", "-5"]);
        let Some(Command::Call { args, .. }) = args.command else {
            panic!("not a call");
        };
        assert_eq!(args, ["-5"]);
    }
}
