//! The offset/limit paging loop: ask `limit` items from offset 0, `limit`, `2 × limit`, … and
//! stop at the first page with fewer than `limit` items, or — when the back-end reports a
//! total — once the total arrived.
//!
//! Guards (see [`super`]): the total may not exceed `limit × max_pages` nor move between
//! pages; no page may hold more than `limit` items; with a total, no empty or short page may
//! come before it is reached, and no surplus after; without one, `max_pages` full pages with
//! no end in sight is a `BadResponse` rather than a silently cut list.

use super::check_deadline;
use crate::{ConnectorError, ErrorKind};
use std::future::Future;
use tokio::time::Instant;

/// Limits of one offset paging run.
#[derive(Debug, Clone, Copy)]
pub struct OffsetLimits {
    /// Items asked per page.
    pub limit: u32,
    /// Most pages fetched.
    pub max_pages: u32,
    /// When to stop with a `Timeout`.
    pub deadline: Instant,
    /// Whether every page must report the total count.
    pub with_total: bool,
}

/// One page as the back-end answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetPage<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The total count, when the back-end reports one.
    pub total: Option<u64>,
}

/// Fetches every page through `fetch(offset)`.
pub async fn fetch_all_offset<T, F, Fut>(
    limits: OffsetLimits,
    mut fetch: F,
) -> Result<Vec<T>, ConnectorError>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<OffsetPage<T>, ConnectorError>>,
{
    let limit = u64::from(limits.limit);
    let cap = limit * u64::from(limits.max_pages);
    let mut items: Vec<T> = Vec::new();
    let mut total: Option<u64> = None;
    for done in 0..limits.max_pages {
        check_deadline(limits.deadline, done)?;
        let offset = u64::from(done) * limit;
        let page = match fetch(offset).await {
            Ok(p) => p,
            Err(e) if e.kind == ErrorKind::NotFound && done == 0 => return Ok(items),
            // "No data" past the end is the end, unless a total promised more.
            Err(e) if e.kind == ErrorKind::NotFound => {
                return match total {
                    Some(t) if (items.len() as u64) < t => Err(ConnectorError::bad_response(
                        format!("offset {offset} reported no data before the total was reached"),
                    )),
                    _ => Ok(items),
                };
            }
            Err(e) => return Err(e),
        };
        let n = page.items.len() as u64;
        if n > limit {
            return Err(ConnectorError::bad_response(format!(
                "the page at offset {offset} has {n} items, more than the limit of {limit} asked"
            )));
        }
        if !limits.with_total {
            items.extend(page.items);
            if n < limit {
                return Ok(items);
            }
            continue;
        }
        let reported = page.total.ok_or_else(|| {
            ConnectorError::bad_response(format!("the page at offset {offset} has no total"))
        })?;
        if reported > cap {
            return Err(ConnectorError::bad_response(format!(
                "total {reported} exceeds the cap of {} pages of {limit}",
                limits.max_pages
            )));
        }
        let target = *total.get_or_insert(reported);
        if reported != target {
            return Err(ConnectorError::bad_response(format!(
                "the total moved from {target} to {reported} between pages"
            )));
        }
        items.extend(page.items);
        let have = items.len() as u64;
        if have > target {
            return Err(ConnectorError::bad_response(
                "more items than the total announced",
            ));
        }
        if have == target {
            return Ok(items);
        }
        if n < limit {
            return Err(ConnectorError::bad_response(format!(
                "the page at offset {offset} has {n} of {limit} items before the total was reached"
            )));
        }
    }
    Err(ConnectorError::bad_response(if limits.with_total {
        format!(
            "the total was not reached within {} pages",
            limits.max_pages
        )
    } else {
        format!(
            "still full pages after {} pages of {limit} (max_pages)",
            limits.max_pages
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits(limit: u32, max_pages: u32, with_total: bool) -> OffsetLimits {
        OffsetLimits {
            limit,
            max_pages,
            deadline: Instant::now() + Duration::from_secs(5),
            with_total,
        }
    }

    /// An honest back-end holding `total` items, reporting the total when `report`.
    fn honest(total: u64, limit: u32, offset: u64, report: bool) -> OffsetPage<u64> {
        OffsetPage {
            items: (offset..(offset + u64::from(limit)).min(total)).collect(),
            total: report.then_some(total),
        }
    }

    #[tokio::test]
    async fn pages_are_fetched_until_a_short_page_or_the_total() {
        for with_total in [false, true] {
            let mut asked = Vec::new();
            let items = fetch_all_offset(limits(10, 100, with_total), |o| {
                asked.push(o);
                async move { Ok(honest(25, 10, o, with_total)) }
            })
            .await
            .unwrap();
            assert_eq!(items, (0..25).collect::<Vec<_>>());
            assert_eq!(asked, [0, 10, 20]);
        }
    }

    #[tokio::test]
    async fn an_exact_multiple_ends_with_the_total_or_one_empty_page() {
        let mut asked = 0;
        let items = fetch_all_offset(limits(10, 100, true), |o| {
            asked += 1;
            async move { Ok(honest(20, 10, o, true)) }
        })
        .await
        .unwrap();
        assert_eq!((items.len(), asked), (20, 2));
        // Without a total only an empty (or "no data") page tells the end.
        let mut asked = 0;
        let items = fetch_all_offset(limits(10, 100, false), |o| {
            asked += 1;
            async move { Ok(honest(20, 10, o, false)) }
        })
        .await
        .unwrap();
        assert_eq!((items.len(), asked), (20, 3));
        let items = fetch_all_offset(limits(10, 100, false), |o| async move {
            if o < 20 {
                Ok(honest(20, 10, o, false))
            } else {
                Err(ConnectorError::not_found("no data"))
            }
        })
        .await
        .unwrap();
        assert_eq!(items.len(), 20);
    }

    #[tokio::test]
    async fn no_data_on_the_first_page_is_an_empty_list() {
        for with_total in [false, true] {
            let items: Vec<u64> = fetch_all_offset(limits(10, 100, with_total), |_| async {
                Err(ConnectorError::not_found("no data"))
            })
            .await
            .unwrap();
            assert!(items.is_empty());
            let zero = fetch_all_offset(limits(10, 100, with_total), |o| async move {
                Ok(honest(0, 10, o, with_total))
            })
            .await
            .unwrap();
            assert!(zero.is_empty());
        }
    }

    #[tokio::test]
    async fn a_total_over_the_cap_is_refused_on_the_first_page() {
        let mut asked = 0;
        let e = fetch_all_offset(limits(10, 5, true), |o| {
            asked += 1;
            async move { Ok(honest(51, 10, o, true)) }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 1), "{e}");
    }

    #[tokio::test]
    async fn endless_full_pages_stop_at_max_pages() {
        for with_total in [false, true] {
            let mut asked = 0;
            let e = fetch_all_offset(limits(10, 5, with_total), |o| {
                asked += 1;
                // Full pages forever; the total (when asked) claims exactly the cap.
                async move {
                    Ok(OffsetPage {
                        items: (o..o + 10).collect::<Vec<u64>>(),
                        total: with_total.then_some(50),
                    })
                }
            })
            .await;
            // With a total of 50 the fifth page completes it: an honest end.
            if with_total {
                assert_eq!(e.unwrap().len(), 50);
            } else {
                let e = e.unwrap_err();
                assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 5), "{e}");
            }
        }
    }

    #[tokio::test]
    async fn an_empty_or_short_page_before_the_total_is_bad_response() {
        // Says 40, delivers 10 then empty pages.
        let e = fetch_all_offset(limits(10, 100, true), |o| async move {
            let mut page = honest(10, 10, o, true);
            page.total = Some(40);
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        // Says 40, delivers 10 then 3.
        let e = fetch_all_offset(limits(10, 100, true), |o| async move {
            let mut page = honest(13, 10, o, true);
            page.total = Some(40);
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        // Says 40, then "no data" at offset 10.
        let e = fetch_all_offset(limits(10, 100, true), |o| async move {
            if o == 0 {
                let mut page = honest(10, 10, 0, true);
                page.total = Some(40);
                Ok(page)
            } else {
                Err(ConnectorError::not_found("no data"))
            }
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn a_moving_total_a_missing_total_surplus_and_oversized_pages_are_bad_response() {
        let moving = fetch_all_offset(limits(10, 100, true), |o| async move {
            Ok(honest(30 + o, 10, o, true))
        });
        let missing = fetch_all_offset(limits(10, 100, true), |o| async move {
            Ok(honest(5, 10, o, false))
        });
        let surplus = fetch_all_offset(limits(10, 100, true), |o| async move {
            let mut page = honest(5, 10, o, true);
            page.total = Some(3);
            Ok(page)
        });
        let oversized = fetch_all_offset(limits(10, 100, false), |o| async move {
            Ok(honest(50, 11, o, false))
        });
        for e in [
            moving.await.unwrap_err(),
            missing.await.unwrap_err(),
            surplus.await.unwrap_err(),
            oversized.await.unwrap_err(),
        ] {
            assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_paging_with_timeout() {
        let lim = OffsetLimits {
            deadline: Instant::now() + Duration::from_millis(30),
            ..limits(10, 100, false)
        };
        let e = fetch_all_offset(lim, |o| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(honest(100, 10, o, false))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    }

    #[tokio::test]
    async fn other_errors_pass_through_classified() {
        let e = fetch_all_offset(limits(10, 100, false), |o| async move {
            if o == 0 {
                Ok(honest(30, 10, 0, false))
            } else {
                Err::<OffsetPage<u64>, _>(ConnectorError::new(ErrorKind::RateLimited, "429"))
            }
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
    }
}
