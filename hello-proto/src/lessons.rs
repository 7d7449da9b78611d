//! Which lesson crate serves each method of `hello.DoStuff`, and where.
//!
//! Every lesson server implements only its own kind's methods. When a
//! student calls another kind's method on it (`say_hello_stream` on the
//! unary server), the answer is UNIMPLEMENTED, and the most useful message
//! names the lesson that does serve it: "start that one instead".
//!
//! That takes a table of all four lessons, and it needs a home that each
//! lesson server can read:
//! - not a lesson crate: the four do not depend on each other (each one
//!   builds alone, with only what it teaches);
//! - not `plumbing`: the crate they share knows none of the crates above it
//!   (it is handed what its messages need, as data);
//! - here, then: `hello-proto` sits below all of them, and the table is
//!   data about this proto's methods, with no code of any lesson in it.
//!
//! Each lesson's own `PROGRAM` (in its `lib.rs`) says the same of itself;
//! a test of the page's crate (`web`, which depends on all four lessons)
//! fails if the two ever disagree.

/// A lesson crate, as a message to a caller who reached the wrong server
/// names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lesson {
    /// The crate's name: its server starts with `cargo run -p <name> --bin server`.
    pub name: &'static str,
    /// Where that server listens unless told otherwise (`--addr`).
    pub default_addr: &'static str,
    /// The `hello.DoStuff` methods it implements, as the proto names them.
    pub methods: &'static [&'static str],
}

/// The four lessons, one per kind of call, as their crates name themselves.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "unary",
        default_addr: "127.0.0.1:8888",
        methods: &["say_hello", "say_hello_again"],
    },
    Lesson {
        name: "server-streaming",
        default_addr: "127.0.0.1:8889",
        methods: &["say_hello_stream"],
    },
    Lesson {
        name: "client-streaming",
        default_addr: "127.0.0.1:8890",
        methods: &["say_hello_many"],
    },
    Lesson {
        name: "bidi-streaming",
        default_addr: "127.0.0.1:8891",
        methods: &["say_hello_chat"],
    },
];

/// The lesson of `lessons` that implements `method`, if any.
pub fn serving(lessons: &[Lesson], method: &str) -> Option<Lesson> {
    lessons
        .iter()
        .find(|lesson| lesson.methods.contains(&method))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_the_proto_is_served_by_exactly_one_lesson() {
        // The methods as the proto declares them: `rpc say_hello (...)`.
        let proto: Vec<&str> = include_str!("../../proto/hello.proto")
            .lines()
            .filter_map(|line| line.trim().strip_prefix("rpc "))
            .filter_map(|rest| rest.split(['(', ' ']).next())
            .collect();
        assert_eq!(proto.len(), 5, "{proto:?}");
        for &method in &proto {
            let serving: Vec<_> = LESSONS
                .iter()
                .filter(|lesson| lesson.methods.contains(&method))
                .collect();
            assert_eq!(serving.len(), 1, "{method}: {serving:?}");
        }
        let listed: usize = LESSONS.iter().map(|lesson| lesson.methods.len()).sum();
        assert_eq!(
            listed,
            proto.len(),
            "a lesson lists a method the proto lacks"
        );
        assert_eq!(
            serving(LESSONS, "say_hello_many").unwrap().name,
            "client-streaming"
        );
        assert_eq!(serving(LESSONS, "say_goodbye"), None);
    }
}
