//! The cursor paging loop: the first request carries no cursor, every answer names the next
//! one, and paging ends at an answer whose next cursor is missing, empty or null.
//!
//! Guards (see [`super`]): a cursor seen before is a cycle; an empty page that still names a
//! next cursor promises more than it gives; a page larger than the `size` asked, a cursor
//! longer than [`MAX_CURSOR_LEN`] (it is sent back), a cursor the back-end then says it does
//! not know, and a next cursor still present after `max_pages` are all `BadResponse` — the
//! list could not be trusted to be complete or free of repeats.

use super::check_deadline;
use crate::{ConnectorError, ErrorKind};
use std::collections::HashSet;
use std::future::Future;
use tokio::time::Instant;

/// Longest cursor accepted; we send it back, so it must stay small.
pub const MAX_CURSOR_LEN: usize = 1024;

/// Limits of one cursor paging run.
#[derive(Debug, Clone, Copy)]
pub struct CursorLimits {
    /// Items asked per page, when the request says; a page with more is refused.
    pub size: Option<u32>,
    /// Most pages fetched.
    pub max_pages: u32,
    /// When to stop with a `Timeout`.
    pub deadline: Instant,
}

/// One page as the back-end answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The next page's cursor; `None` or empty on the last page.
    pub next: Option<String>,
}

/// Fetches every page through `fetch(cursor)`, starting with no cursor.
pub async fn fetch_all_cursor<T, F, Fut>(
    limits: CursorLimits,
    mut fetch: F,
) -> Result<Vec<T>, ConnectorError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<CursorPage<T>, ConnectorError>>,
{
    let mut items: Vec<T> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    for done in 0..limits.max_pages {
        check_deadline(limits.deadline, done)?;
        let page_no = done + 1;
        let page = match fetch(cursor.take()).await {
            Ok(p) => p,
            Err(e) if e.kind == ErrorKind::NotFound && done == 0 => return Ok(items),
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(ConnectorError::bad_response(format!(
                    "page {page_no}: the back-end reported no data for the cursor it issued"
                )));
            }
            Err(e) => return Err(e),
        };
        if let Some(size) = limits.size
            && page.items.len() > size as usize
        {
            return Err(ConnectorError::bad_response(format!(
                "page {page_no} has {} items, more than the size of {size} asked",
                page.items.len()
            )));
        }
        let next = match page.next {
            Some(c) if !c.trim().is_empty() => c,
            _ => {
                items.extend(page.items);
                return Ok(items);
            }
        };
        if page.items.is_empty() {
            return Err(ConnectorError::bad_response(format!(
                "page {page_no} is empty but names a next cursor"
            )));
        }
        if next.len() > MAX_CURSOR_LEN {
            return Err(ConnectorError::bad_response(format!(
                "page {page_no} names a cursor longer than {MAX_CURSOR_LEN} bytes"
            )));
        }
        if !seen.insert(next.clone()) {
            return Err(ConnectorError::bad_response(format!(
                "page {page_no} repeats a cursor seen before"
            )));
        }
        items.extend(page.items);
        cursor = Some(next);
    }
    Err(ConnectorError::bad_response(format!(
        "still a next cursor after {} pages (max_pages)",
        limits.max_pages
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits(size: Option<u32>, max_pages: u32) -> CursorLimits {
        CursorLimits {
            size,
            max_pages,
            deadline: Instant::now() + Duration::from_secs(5),
        }
    }

    /// An honest back-end holding `total` items, `size` a page; the cursor is the next offset.
    fn honest(total: u32, size: u32, cursor: Option<String>) -> CursorPage<u32> {
        let start: u32 = cursor.map_or(0, |c| c.trim_start_matches('c').parse().unwrap());
        let end = (start + size).min(total);
        CursorPage {
            items: (start..end).collect(),
            next: (end < total).then(|| format!("c{end}")),
        }
    }

    #[tokio::test]
    async fn cursors_are_followed_until_none_is_named() {
        let mut sent = Vec::new();
        let items = fetch_all_cursor(limits(Some(10), 100), |c| {
            sent.push(c.clone());
            async move { Ok(honest(25, 10, c)) }
        })
        .await
        .unwrap();
        assert_eq!(items, (0..25).collect::<Vec<_>>());
        assert_eq!(sent, [None, Some("c10".into()), Some("c20".into())]);
    }

    #[tokio::test]
    async fn an_empty_or_null_next_cursor_ends_like_a_missing_one() {
        for next in [Some(String::new()), Some("  ".to_string()), None] {
            let next2 = next.clone();
            let items = fetch_all_cursor(limits(None, 100), move |_| {
                let next = next2.clone();
                async move {
                    Ok(CursorPage {
                        items: vec![1, 2],
                        next,
                    })
                }
            })
            .await
            .unwrap();
            assert_eq!(items, [1, 2], "{next:?}");
        }
    }

    #[tokio::test]
    async fn no_data_on_the_first_page_is_an_empty_list_and_later_a_bad_response() {
        let items: Vec<u32> = fetch_all_cursor(limits(None, 100), |_| async {
            Err(ConnectorError::not_found("no data"))
        })
        .await
        .unwrap();
        assert!(items.is_empty());
        let e = fetch_all_cursor(limits(Some(10), 100), |c| async move {
            match c {
                None => Ok(honest(30, 10, None)),
                Some(_) => Err(ConnectorError::not_found("no data")),
            }
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_a_cycle() {
        // c10 → c20 → c10 again.
        let mut asked = 0;
        let e = fetch_all_cursor(limits(Some(10), 100), |c| {
            asked += 1;
            async move {
                let mut page = honest(100, 10, c.clone());
                if c.as_deref() == Some("c20") {
                    page.next = Some("c10".into());
                }
                Ok(page)
            }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 3), "{e}");
        // The same cursor handed back at once.
        let e = fetch_all_cursor(limits(None, 100), |_| async {
            Ok(CursorPage {
                items: vec![1],
                next: Some("same".to_string()),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn an_empty_page_with_a_next_cursor_is_bad_response() {
        let e = fetch_all_cursor(limits(Some(10), 100), |c| async move {
            let mut page = honest(30, 10, c.clone());
            if c.is_some() {
                page.items.clear();
            }
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn more_than_size_a_page_or_max_pages_of_pages_is_over_the_cap() {
        let e = fetch_all_cursor(
            limits(Some(10), 100),
            |c| async move { Ok(honest(30, 11, c)) },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        let mut asked = 0;
        let e = fetch_all_cursor(limits(Some(10), 5), |c| {
            asked += 1;
            async move { Ok(honest(1000, 10, c)) }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 5), "{e}");
        // Exactly max_pages pages, the last naming no cursor: complete.
        let items = fetch_all_cursor(
            limits(Some(10), 5),
            |c| async move { Ok(honest(50, 10, c)) },
        )
        .await
        .unwrap();
        assert_eq!(items.len(), 50);
    }

    #[tokio::test]
    async fn an_overlong_cursor_is_refused() {
        let e = fetch_all_cursor(limits(None, 100), |_| async {
            Ok(CursorPage {
                items: vec![1],
                next: Some("x".repeat(MAX_CURSOR_LEN + 1)),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_paging_with_timeout() {
        let lim = CursorLimits {
            deadline: Instant::now() + Duration::from_millis(30),
            ..limits(Some(10), 100)
        };
        let e = fetch_all_cursor(lim, |c| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(honest(100, 10, c))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    }
}
