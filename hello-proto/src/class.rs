//! `proto/class.proto`, compiled to Rust: the class on the projector.
//!
//! Each student's workshop reports its progress (`Class/Report`) to the
//! instructor's web server, which draws the room live. The web server
//! serves it, the workshop calls it: both depend on this crate already, so
//! the generated code lives here and neither builds the other.
//!
//! Beside the generated code, the rules of the contract that both sides
//! must read the same way: how long a name may be, and what it may hold.
//! The server enforces them (a client is never trusted); the workshop
//! checks them first too, to say what is wrong in the student's language
//! without a round trip.

use std::fmt;

/// The code generated from `proto/class.proto` (package `class`).
pub mod pb {
    // Generated code: its items carry the proto's comments.
    #![allow(missing_docs)]

    tonic::include_proto!("class");

    /// The encoded descriptor of `class.proto`, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("class_descriptor");
}

/// The longest name a student may report, in characters: room for a first
/// name and an initial, short enough for a row on the projector.
pub const MAX_NAME_CHARS: usize = 40;

/// The most exercises a report may count (`Progress.total`): the grid's
/// columns, bounded so that a report cannot make the page draw thousands.
pub const MAX_EXERCISES: u32 = 32;

/// What is wrong with a reported name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Nothing but spaces.
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong,
    /// A control character (a newline, a tab, an escape...): it would
    /// break the grid's row, or a terminal's.
    ControlCharacter,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Empty => f.write_str("the name is empty"),
            NameProblem::TooLong => {
                write!(f, "the name is longer than {MAX_NAME_CHARS} characters")
            }
            NameProblem::ControlCharacter => {
                f.write_str("the name holds a control character (a newline, a tab...)")
            }
        }
    }
}

/// The name as the room keeps it (spaces around it dropped), or what is
/// wrong with it.
pub fn check_name(name: &str) -> Result<&str, NameProblem> {
    let name = name.trim();
    if name.is_empty() {
        Err(NameProblem::Empty)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(NameProblem::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(NameProblem::ControlCharacter)
    } else {
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(check_name("  Ana B. "), Ok("Ana B."));
        assert_eq!(check_name("João 🦀"), Ok("João 🦀"));
        // Forty characters pass, counted as characters, not bytes.
        assert_eq!(check_name(&"é".repeat(40)), Ok("é".repeat(40).as_str()));
        assert_eq!(check_name(&"a".repeat(41)), Err(NameProblem::TooLong));
        assert_eq!(check_name("   "), Err(NameProblem::Empty));
        assert_eq!(check_name("ana\nbob"), Err(NameProblem::ControlCharacter));
        assert_eq!(
            check_name("ana\u{1b}[31m"),
            Err(NameProblem::ControlCharacter)
        );
    }
}
