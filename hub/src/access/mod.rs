//! Step 1–3 of a request (DESIGN.md, "The data flow"): who is asking, whether the question is
//! well formed, and what the asker may see.
//!
//! - [`auth`] — bearer JWT from a configured issuer (or mTLS) → [`auth::Principal`].
//! - [`validate`] — citizen keys and purpose checked; bad input named by field, never echoed.
//! - [`policy`] — Cedar: which sources, which personal fields, clear or masked.

pub mod auth;
pub mod policy;
pub mod validate;
