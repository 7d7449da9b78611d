//! The `metadata` topic: see README.md.
