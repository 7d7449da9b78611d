//! The `errors` topic: see README.md.
