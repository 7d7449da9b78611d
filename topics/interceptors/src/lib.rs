//! The `interceptors` topic: see README.md.
