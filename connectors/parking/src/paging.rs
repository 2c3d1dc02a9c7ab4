//! The cursor paging loop: follow `nextCursor` until the back-end says there is no more, within
//! the deadline. Kept apart from HTTP so its rules are tested with plain closures.
//!
//! Two ways to end without every page:
//! - **the deadline** ends first (checked before each further page, and a page request that
//!   times out after at least one page arrived): what was fetched is returned, marked partial —
//!   running out of time is the caller's budget, not a broken back-end;
//! - **the back-end misbehaves**: a cursor seen before (a cycle), more than
//!   [`MAX_EMPTY_PAGES_IN_A_ROW`] empty pages in a row that still promise more, a page larger
//!   than the limit asked, more than `max_items` items, more than `max_pages` pages, a cursor
//!   longer than [`MAX_CURSOR_LEN`], or a rejected cursor it issued itself: `BadResponse`, since
//!   such data cannot be trusted to be complete or free of repeats. The loop never runs forever.

use minwon_connector_sdk::{ConnectorError, ErrorKind};
use std::collections::HashSet;
use std::future::Future;
use tokio::time::Instant;

/// Empty pages in a row tolerated while the back-end still hands out a next cursor (some
/// back-ends filter after paging and legitimately answer an empty page now and then).
pub const MAX_EMPTY_PAGES_IN_A_ROW: u32 = 2;
/// Longest cursor accepted; we send it back, so it must stay small.
pub const MAX_CURSOR_LEN: usize = 1024;

/// Limits of one paging run.
#[derive(Debug, Clone, Copy)]
pub struct CursorLimits {
    /// Items asked per page (`limit`); a page with more is refused.
    pub limit: u32,
    /// Most pages fetched.
    pub max_pages: u32,
    /// Most items accepted in total.
    pub max_items: usize,
    /// When to stop and return what was fetched.
    pub deadline: Instant,
}

/// One page as the back-end answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` (or an empty string) on the last page.
    pub next_cursor: Option<String>,
}

/// What a paging run fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched<T> {
    /// Every item fetched, in page order.
    pub items: Vec<T>,
    /// Pages fetched.
    pub pages: u32,
    /// True when the deadline ended paging before the last page.
    pub partial: bool,
}

/// Fetches every page through `fetch(cursor)`, starting with no cursor.
pub async fn fetch_all<T, F, Fut>(
    limits: CursorLimits,
    mut fetch: F,
) -> Result<Fetched<T>, ConnectorError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<CursorPage<T>, ConnectorError>>,
{
    let mut items: Vec<T> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages: u32 = 0;
    let mut empty_run: u32 = 0;
    let partial = |items, pages| Fetched {
        items,
        pages,
        partial: true,
    };
    loop {
        if pages >= limits.max_pages {
            return Err(ConnectorError::bad_response(format!(
                "still a next cursor after {} pages (max_pages)",
                limits.max_pages
            )));
        }
        if pages > 0 && Instant::now() >= limits.deadline {
            return Ok(partial(items, pages));
        }
        let page = match fetch(cursor.clone()).await {
            Ok(p) => p,
            Err(e) if pages == 0 && e.kind == ErrorKind::NotFound => {
                return Ok(Fetched {
                    items,
                    pages,
                    partial: false,
                });
            }
            Err(e) if pages > 0 && e.kind == ErrorKind::Timeout => {
                return Ok(partial(items, pages));
            }
            Err(e)
                if pages > 0 && matches!(e.kind, ErrorKind::InvalidQuery | ErrorKind::NotFound) =>
            {
                return Err(ConnectorError::bad_response(format!(
                    "back-end refused the cursor it issued for page {} ({})",
                    pages + 1,
                    e.kind
                )));
            }
            Err(e) => return Err(e),
        };
        pages += 1;
        if page.items.len() > limits.limit as usize {
            return Err(ConnectorError::bad_response(format!(
                "page {pages} has {} items, more than the limit of {} asked",
                page.items.len(),
                limits.limit
            )));
        }
        if items.len() + page.items.len() > limits.max_items {
            return Err(ConnectorError::bad_response(format!(
                "more than {} items (max_items)",
                limits.max_items
            )));
        }
        empty_run = if page.items.is_empty() {
            empty_run + 1
        } else {
            0
        };
        items.extend(page.items);
        let next = match page.next_cursor {
            Some(c) if !c.is_empty() => c,
            _ => {
                return Ok(Fetched {
                    items,
                    pages,
                    partial: false,
                });
            }
        };
        if next.len() > MAX_CURSOR_LEN {
            return Err(ConnectorError::bad_response(format!(
                "page {pages} has a cursor longer than {MAX_CURSOR_LEN} bytes"
            )));
        }
        if empty_run > MAX_EMPTY_PAGES_IN_A_ROW {
            return Err(ConnectorError::bad_response(format!(
                "{empty_run} empty pages in a row, each with a next cursor"
            )));
        }
        if !seen.insert(next.clone()) {
            return Err(ConnectorError::bad_response(format!(
                "page {pages} repeats a cursor seen before: the pages form a cycle"
            )));
        }
        cursor = Some(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits(limit: u32, max_pages: u32) -> CursorLimits {
        CursorLimits {
            limit,
            max_pages,
            max_items: 1000,
            deadline: Instant::now() + Duration::from_secs(5),
        }
    }

    /// An honest back-end holding `total` items, cursor = offset.
    fn honest(total: u32, size: u32, cursor: Option<String>) -> CursorPage<u32> {
        let start: u32 = cursor.map_or(0, |c| c.parse().unwrap());
        let end = (start + size).min(total);
        CursorPage {
            items: (start..end).collect(),
            next_cursor: (end < total).then(|| end.to_string()),
        }
    }

    #[tokio::test]
    async fn follows_cursors_until_none_and_every_item_arrives_once() {
        let mut asked = Vec::new();
        let got = fetch_all(limits(3, 100), |c| {
            asked.push(c.clone());
            async move { Ok(honest(8, 3, c)) }
        })
        .await
        .unwrap();
        assert_eq!(got.items, (0..8).collect::<Vec<_>>());
        assert_eq!((got.pages, got.partial), (3, false));
        assert_eq!(asked, [None, Some("3".into()), Some("6".into())]);
    }

    #[tokio::test]
    async fn an_empty_string_cursor_ends_like_null_and_not_found_first_is_empty() {
        let got = fetch_all(limits(3, 100), |_| async {
            Ok(CursorPage {
                items: vec![1u32],
                next_cursor: Some(String::new()),
            })
        })
        .await
        .unwrap();
        assert_eq!((got.items.len(), got.partial), (1, false));
        let got = fetch_all::<u32, _, _>(limits(3, 100), |_| async {
            Err(ConnectorError::not_found("none"))
        })
        .await
        .unwrap();
        assert!(got.items.is_empty() && !got.partial);
    }

    #[tokio::test]
    async fn a_cycle_is_caught_on_the_first_repeat() {
        let mut asked = 0;
        let e = fetch_all(limits(3, 100), |c| {
            asked += 1;
            // a → b → a → …
            let next = if c.as_deref() == Some("b") { "a" } else { "b" };
            async move {
                Ok(CursorPage {
                    items: vec![asked],
                    next_cursor: Some(next.to_string()),
                })
            }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 3), "{e}");
    }

    #[tokio::test]
    async fn endless_empty_pages_and_endless_fresh_cursors_stop() {
        let mut n = 0u32;
        let e = fetch_all::<u32, _, _>(limits(3, 100), |_| {
            n += 1;
            let next = n.to_string();
            async move {
                Ok(CursorPage {
                    items: vec![],
                    next_cursor: Some(next),
                })
            }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, n), (ErrorKind::BadResponse, 3), "{e}");
        let mut n = 0u32;
        let e = fetch_all(limits(3, 20), |_| {
            n += 1;
            let page = CursorPage {
                items: vec![n],
                next_cursor: Some(format!("c{n}")),
            };
            async move { Ok(page) }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, n), (ErrorKind::BadResponse, 20), "{e}");
    }

    #[tokio::test]
    async fn oversized_pages_totals_and_cursors_are_refused() {
        let e = fetch_all(limits(3, 100), |c| async move { Ok(honest(8, 5, c)) })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        let lim = CursorLimits {
            max_items: 5,
            ..limits(3, 100)
        };
        let e = fetch_all(lim, |c| async move { Ok(honest(8, 3, c)) })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        let e = fetch_all(limits(3, 100), |_| async {
            Ok(CursorPage {
                items: vec![1u32],
                next_cursor: Some("x".repeat(MAX_CURSOR_LEN + 1)),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
    }

    #[tokio::test]
    async fn the_deadline_returns_what_was_fetched_marked_partial() {
        let lim = CursorLimits {
            deadline: Instant::now() + Duration::from_millis(120),
            ..limits(3, 100)
        };
        let got = fetch_all(lim, |c| async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            Ok(honest(300, 3, c))
        })
        .await
        .unwrap();
        assert!(got.partial, "the deadline ended paging");
        assert!(got.pages >= 1 && got.items.len() == 3 * got.pages as usize);
        assert!(got.items.len() < 300);
    }

    #[tokio::test]
    async fn a_timeout_mid_way_is_partial_but_on_the_first_page_an_error() {
        let got = fetch_all(limits(3, 100), |c| async move {
            if c.is_some() {
                Err(ConnectorError::timeout("deadline"))
            } else {
                Ok(honest(30, 3, c))
            }
        })
        .await
        .unwrap();
        assert_eq!((got.items.len(), got.partial), (3, true));
        let e = fetch_all::<u32, _, _>(limits(3, 100), |_| async {
            Err(ConnectorError::timeout("deadline"))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
    }

    #[tokio::test]
    async fn a_rejected_own_cursor_is_bad_response_other_errors_pass_through() {
        let e = fetch_all(limits(3, 100), |c| async move {
            match c {
                Some(_) => Err(ConnectorError::invalid_query("INVALID_CURSOR")),
                None => Ok(honest(30, 3, None)),
            }
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        let e = fetch_all::<u32, _, _>(limits(3, 100), |_| async {
            Err(ConnectorError::unavailable("HTTP 503"))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }
}
