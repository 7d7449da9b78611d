//! The `compression` topic: see README.md.
