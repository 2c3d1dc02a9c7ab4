//! The operators' and auditors' command lines (`minwon-hub audit …`, `minwon-hub audit
//! review`, `minwon-hub knowledge …`); `main.rs` parses the arguments and calls these.
//!
//! - [`audit`] — verify the trail, export a bundle, print the checkpoint public key.
//! - [`review`] — the monthly access review as files (HTML, CSV, JSON).
//! - [`knowledge`] — import, reload, check and list the knowledge base.

pub mod audit;
pub mod knowledge;
pub mod review;
