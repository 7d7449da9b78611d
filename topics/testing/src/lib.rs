//! The `testing` topic: see README.md.
