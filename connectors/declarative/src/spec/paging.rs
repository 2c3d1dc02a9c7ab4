//! `[connectors.<name>.search.paging]`: how the search pages. Every kind keeps the SDK's
//! guards (minwon_connector_sdk::paging): never more than `size × max_pages` records, the
//! call's deadline, no empty page while more is promised, no shifting pages.

use serde::Deserialize;

/// Paging of the search.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Paging {
    /// One answer holds every record.
    #[default]
    None,
    /// Page number and page size parameters, with the total count in the answer; the SDK's
    /// guards apply (the total may not exceed `size × max_pages`, pages may not shift).
    Page {
        /// Page number parameter (1-based), e.g. `pageNo`.
        page_param: String,
        /// Page size parameter, e.g. `numOfRows`.
        size_param: String,
        /// Records asked per page, 1 to 1000.
        size: u32,
        /// Most pages fetched, 1 to 1000.
        max_pages: u32,
        /// `rest-json`: dotted path of the total count (the portal's `totalCount` otherwise).
        #[serde(default)]
        total: Option<String>,
    },
    /// `rest-json` only: offset and limit parameters (offset 0, `limit`, `2 × limit`, …);
    /// paging ends at a page with fewer than `limit` records, or once `total` arrived.
    Offset {
        /// Offset parameter (0-based), e.g. `offset`.
        offset_param: String,
        /// Limit parameter, e.g. `limit`.
        limit_param: String,
        /// Records asked per page, 1 to 1000.
        limit: u32,
        /// Most pages fetched, 1 to 1000.
        max_pages: u32,
        /// Dotted path of the total count, when the back-end reports one; it may not exceed
        /// `limit × max_pages` nor move between pages.
        #[serde(default)]
        total: Option<String>,
    },
    /// `rest-json` only: an opaque cursor from each answer sent back for the next page; paging
    /// ends when the answer's next cursor is missing, empty or null. A cursor seen before, or
    /// an empty page naming a next cursor, is a bad response.
    Cursor {
        /// Parameter the cursor is sent in (absent from the first request), e.g. `cursor`.
        cursor_param: String,
        /// Dotted path of the next cursor in the answer (text or a number), e.g.
        /// `paging.next`.
        next: String,
        /// Page size parameter, e.g. `size`; with `size`, or not at all.
        #[serde(default)]
        size_param: Option<String>,
        /// Records asked per page, 1 to 1000; a page with more is refused.
        #[serde(default)]
        size: Option<u32>,
        /// Most pages fetched, 1 to 1000.
        max_pages: u32,
    },
}
