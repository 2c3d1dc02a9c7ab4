//! The public-data-portal paging loop: fetch pages until `totalCount` items arrived, guarded against a back-end
//! that lies (an empty page before the total, an absurd total, `pageNo` ignored) and against
//! the call's deadline. Kept apart from HTTP so its rules are tested with plain closures.

use crate::portal::{Item, PortalPage};
use crate::{ConnectorError, ErrorKind};
use std::future::Future;
use tokio::time::Instant;

/// Limits of one paging run.
#[derive(Debug, Clone, Copy)]
pub struct PagingLimits {
    /// Items asked per page (`numOfRows`).
    pub page_size: u32,
    /// Most pages fetched before giving up.
    pub max_pages: u32,
    /// When to stop with a Timeout.
    pub deadline: Instant,
}

/// Fetches every page through `fetch(page_no)`. A `NotFound` (code 03) on the first page is
/// an empty list; everything inconsistent afterwards is a BadResponse.
pub async fn fetch_all<F, Fut>(
    limits: PagingLimits,
    mut fetch: F,
) -> Result<Vec<Item>, ConnectorError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<PortalPage, ConnectorError>>,
{
    let cap = u64::from(limits.page_size) * u64::from(limits.max_pages);
    let mut items: Vec<Item> = Vec::new();
    let mut total: Option<u64> = None;
    for page_no in 1..=limits.max_pages {
        if page_no > 1 && Instant::now() >= limits.deadline {
            return Err(ConnectorError::timeout(format!(
                "deadline passed after {} of {} pages",
                page_no - 1,
                pages_needed(total.unwrap_or(0), limits.page_size)
            )));
        }
        let page = match fetch(page_no).await {
            Ok(p) => p,
            Err(e) if e.kind == ErrorKind::NotFound && page_no == 1 => return Ok(Vec::new()),
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(ConnectorError::bad_response(format!(
                    "page {page_no} reported no data before totalCount was reached"
                )));
            }
            Err(e) => return Err(e),
        };
        if let Some(p) = page.page_no
            && p != page_no
        {
            return Err(ConnectorError::bad_response(format!(
                "asked for page {page_no}, back-end answered page {p}"
            )));
        }
        let reported = page.total_count.map(u64::from).ok_or_else(|| {
            ConnectorError::bad_response(format!("page {page_no} has no totalCount"))
        })?;
        if reported > cap {
            return Err(ConnectorError::bad_response(format!(
                "totalCount {reported} exceeds the cap of {} pages of {}",
                limits.max_pages, limits.page_size
            )));
        }
        // The first page's total is the target; later pages may not move it.
        let target = *total.get_or_insert(reported);
        if page.items.is_empty() && (items.len() as u64) < target {
            return Err(ConnectorError::bad_response(format!(
                "page {page_no} has no items before totalCount was reached"
            )));
        }
        items.extend(page.items);
        if items.len() as u64 > target {
            return Err(ConnectorError::bad_response(
                "more items than totalCount announced",
            ));
        }
        if items.len() as u64 == target {
            return Ok(items);
        }
    }
    Err(ConnectorError::bad_response(format!(
        "totalCount not reached within {} pages",
        limits.max_pages
    )))
}

fn pages_needed(total: u64, page_size: u32) -> u64 {
    total.div_ceil(u64::from(page_size.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn item(n: u32) -> Item {
        [("taxBillNo".to_string(), n.to_string())]
            .into_iter()
            .collect()
    }

    fn limits(page_size: u32, max_pages: u32) -> PagingLimits {
        PagingLimits {
            page_size,
            max_pages,
            deadline: Instant::now() + Duration::from_secs(5),
        }
    }

    /// An honest back-end holding `total` items.
    fn honest(total: u32, page_size: u32, page_no: u32) -> PortalPage {
        let start = (page_no - 1) * page_size;
        PortalPage {
            result_code: "00".into(),
            items: (start..(start + page_size).min(total)).map(item).collect(),
            num_of_rows: Some(page_size),
            page_no: Some(page_no),
            total_count: Some(total),
        }
    }

    #[tokio::test]
    async fn every_page_is_fetched_until_total_count() {
        let mut asked = Vec::new();
        let items = fetch_all(limits(10, 100), |p| {
            asked.push(p);
            async move { Ok(honest(25, 10, p)) }
        })
        .await
        .unwrap();
        assert_eq!(items.len(), 25);
        assert_eq!(asked, [1, 2, 3]);
        assert_eq!(&items[24]["taxBillNo"], "24");
    }

    #[tokio::test]
    async fn exact_multiple_of_page_size_stops_without_an_extra_request() {
        let mut asked = 0;
        let items = fetch_all(limits(10, 100), |p| {
            asked += 1;
            async move { Ok(honest(20, 10, p)) }
        })
        .await
        .unwrap();
        assert_eq!((items.len(), asked), (20, 2));
    }

    #[tokio::test]
    async fn nodata_on_the_first_page_is_an_empty_list() {
        let items = fetch_all(limits(10, 100), |_| async {
            Err(ConnectorError::not_found("portal result code 03"))
        })
        .await
        .unwrap();
        assert!(items.is_empty());
        let zero = fetch_all(limits(10, 100), |p| async move { Ok(honest(0, 10, p)) })
            .await
            .unwrap();
        assert!(zero.is_empty());
    }

    #[tokio::test]
    async fn a_back_end_lying_about_total_count_ends_with_bad_response() {
        // Says 40, delivers 10 then empty pages.
        let e = fetch_all(limits(10, 100), |p| async move {
            let mut page = honest(10, 10, p);
            page.total_count = Some(40);
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        // Says 40, then NODATA on page 2.
        let e = fetch_all(limits(10, 100), |p| async move {
            if p == 1 {
                let mut page = honest(10, 10, 1);
                page.total_count = Some(40);
                Ok(page)
            } else {
                Err(ConnectorError::not_found("portal result code 03"))
            }
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn an_absurd_total_count_is_refused_on_the_first_page() {
        let mut asked = 0;
        let e = fetch_all(limits(10, 100), |p| {
            asked += 1;
            async move {
                let mut page = honest(10, 10, p);
                page.total_count = Some(u32::MAX);
                Ok(page)
            }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 1));
    }

    #[tokio::test]
    async fn a_back_end_ignoring_page_no_is_caught() {
        let e = fetch_all(limits(10, 100), |_| async { Ok(honest(30, 10, 1)) })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    }

    #[tokio::test]
    async fn trickling_pages_stop_at_max_pages() {
        // One item per page of a total of 50, with a 5-page cap: never loops past the cap.
        let mut asked = 0;
        let e = fetch_all(limits(10, 5), |p| {
            asked += 1;
            async move {
                let mut page = honest(50, 1, p);
                page.num_of_rows = Some(10);
                Ok(page)
            }
        })
        .await
        .unwrap_err();
        assert_eq!((e.kind, asked), (ErrorKind::BadResponse, 5));
    }

    #[tokio::test]
    async fn missing_total_count_and_surplus_items_are_bad_response() {
        let e = fetch_all(limits(10, 100), |p| async move {
            let mut page = honest(5, 10, p);
            page.total_count = None;
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        let e = fetch_all(limits(10, 100), |p| async move {
            let mut page = honest(5, 10, p);
            page.total_count = Some(3);
            Ok(page)
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
    }

    #[tokio::test]
    async fn the_deadline_stops_paging_with_timeout() {
        let lim = PagingLimits {
            deadline: Instant::now() + Duration::from_millis(30),
            ..limits(10, 100)
        };
        let e = fetch_all(lim, |p| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(honest(100, 10, p))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    }

    #[tokio::test]
    async fn other_errors_pass_through_classified() {
        let e = fetch_all(limits(10, 100), |_| async {
            Err(ConnectorError::new(ErrorKind::RateLimited, "code 22"))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
    }
}
