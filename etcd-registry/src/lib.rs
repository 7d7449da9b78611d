//! # etcd-registry: servers announce themselves in etcd, clients follow them
//!
//! The lecture note: "Outros recursos estão disponíveis, como uso de um
//! registry (dicionário de serviços)". A list of addresses is fixed when a
//! client starts; a registry is a dictionary that changes as servers come
//! and go. This crate keeps it in etcd, the store Kubernetes itself runs on,
//! the way etcd's own Go client does it for grpc-go. It knows nothing of the
//! services it registers: the caller chooses the keys' prefix, how to dial a
//! server, and what to print when one joins or leaves.
//!
//! ## Layout
//!
//! - [`Entry`]: what a server writes under its key: its address, a label of
//!   the caller's choosing (`kind`), and whether it speaks TLS.
//! - [`register`]: a server writes `{prefix}{host:port}` under a *lease*, a
//!   timer in etcd that it renews every third of its TTL. Graceful shutdown
//!   revokes the lease and the key goes at once; a killed server stops
//!   renewing, and the key goes when the TTL runs out.
//! - [`follow`]: a client lists the keys under a prefix, then *watches*
//!   them, and keeps a tonic balancing channel in step, reporting each
//!   [`Membership`] change as a value. It also watches each server's health,
//!   so that a killed server, whose key stays until its lease expires, gets
//!   no calls meanwhile.
//! - [`list`]: every entry under a prefix, for `registry-list`.
//! - [`gateway`]: the small HTTP client that does the talking to etcd.

mod announce;
mod entry;
mod follow;
pub mod gateway;

pub use announce::{Registration, register};
pub use entry::{Entry, list};
pub use follow::{FollowError, Following, Membership, follow};
pub use gateway::{EtcdError, Gateway};
