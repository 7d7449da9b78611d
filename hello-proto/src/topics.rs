//! `proto/topics.proto`, compiled to Rust (package `topics`): the messages
//! and services of the topics that need more than the note's proto, such
//! as the compression topic's report (`compression_client`,
//! `compression_server`) and the flow-control topic's transfer
//! (`transfer_client`, `transfer_server`). Only with the `topics` feature.

// Generated code: its items carry the proto's comments.
#![allow(missing_docs)]

tonic::include_proto!("topics");

/// The encoded descriptor of `topics.proto`, for server reflection: grpcurl
/// can then call a topic's service without the `.proto` file.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("topics_descriptor");
