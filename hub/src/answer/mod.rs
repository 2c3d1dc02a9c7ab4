//! Steps 6–7 of a request: the connectors' unified cases become protobuf, each personal field
//! shown clear, masked or not at all as the policy decided — in one place, so nothing leaves
//! the hub unmasked by a side door.
//!
//! - [`convert`] — domain → protobuf, masking applied field by field.

pub mod convert;
