//! The `propagation` topic: see README.md.
