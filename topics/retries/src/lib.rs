//! The `retries` topic: see README.md.
