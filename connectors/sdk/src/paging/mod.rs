//! The guarded paging loops connectors share, kept apart from HTTP so their rules are tested
//! with plain closures:
//!
//! - [`page`] — page number and size with a total count (the public-data portal's
//!   `pageNo`/`numOfRows`/`totalCount`): [`fetch_all`];
//! - [`offset`] — offset and limit, with or without a total: [`fetch_all_offset`];
//! - [`cursor`] — an opaque next cursor read from each answer: [`fetch_all_cursor`].
//!
//! Every loop holds to the same guards: at most `size × max_pages` items (never a silent
//! truncation — a back-end with more is a `BadResponse`), the call's deadline checked before
//! each further page (`Timeout`), no empty page while more is promised, no page larger than
//! asked, and no shift (a page number answered for another, a total that moves, a cursor seen
//! before). A `NotFound` on the first page is an empty list.

pub mod cursor;
pub mod offset;
pub mod page;

pub use cursor::{CursorLimits, CursorPage, MAX_CURSOR_LEN, fetch_all_cursor};
pub use offset::{OffsetLimits, OffsetPage, fetch_all_offset};
pub use page::{PagingLimits, fetch_all};

use crate::ConnectorError;
use tokio::time::Instant;

/// `Timeout` when `deadline` passed after `done` pages (checked before each further page).
fn check_deadline(deadline: Instant, done: u32) -> Result<(), ConnectorError> {
    if done > 0 && Instant::now() >= deadline {
        return Err(ConnectorError::timeout(format!(
            "deadline passed after {done} pages"
        )));
    }
    Ok(())
}
