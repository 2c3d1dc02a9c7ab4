//! What a counselor looks up besides a citizen's cases — public data, not audited as a
//! personal-data access:
//!
//! - [`knowledge`] — the consultation knowledge base (tantivy index, Korean analysis, refresh).
//! - [`gaps`] — the knowledge-gap report built from unanswered searches (scrubbed).
//! - [`directory`] — the eup/myeon/dong offices and the routing from an address to one.

pub mod directory;
pub mod gaps;
pub mod knowledge;
