//! The `wait-for-ready` topic: see README.md.
