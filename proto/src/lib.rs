//! The `minwon.v1` API: messages, clients and servers generated from `proto/minwon/v1`.
//!
//! Nothing here is written by hand except this file: edit the `.proto` files instead.

#![allow(missing_docs)] // generated code carries the proto comments as docs

/// Package `minwon.v1`.
pub mod v1 {
    tonic::include_proto!("minwon.v1");
}

/// Encoded `FileDescriptorSet` of every `minwon.v1` file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/minwon_descriptor.bin"));
