//! From an HTTP response to a portal page: the status, the charset, then the envelope — the
//! one place, used by every portal-XML connector, where a quota error becomes RateLimited.

use crate::encoding::decode_body;
use crate::error::{ConnectorError, ErrorKind};
use crate::http::{RawResponse, classify_status};
use crate::portal::{PortalPage, parse_page};

/// Reads a response as a portal page.
///
/// HTTP 429 is RateLimited whatever the body says; another non-2xx status with a well-formed
/// in-band error is classified by the envelope (a code 22 sent with HTTP 403 is still a
/// quota error), else by the status (a bare 404 from a wrong base URL is Unavailable, never
/// "no data"). A `Retry-After` header is kept on any classified error, including a code 22
/// sent with HTTP 200.
pub fn read_page(raw: &RawResponse) -> Result<PortalPage, ConnectorError> {
    let parsed = decode_body(&raw.body, raw.content_type.as_deref())
        .and_then(|s| parse_page(s.as_ref()))
        .map_err(|e| match e.kind {
            ErrorKind::BadResponse => e,
            _ => {
                let hint = e.retry_after.or(raw.retry_after);
                e.with_retry_after(hint)
            }
        });
    match classify_status(raw) {
        None => parsed,
        Some(http_err) if raw.status == 429 => Err(http_err),
        Some(http_err) => match parsed {
            Err(e) if e.kind != ErrorKind::BadResponse => Err(e),
            _ => Err(http_err),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::{write_gateway_error, write_page, write_result_error};
    use std::time::Duration;

    fn raw(status: u16, retry: Option<u64>, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/xml;charset=UTF-8".into()),
            retry_after: retry.map(Duration::from_secs),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn quota_is_rate_limited_on_every_path_keeping_retry_after() {
        let code22 = write_result_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR");
        for (status, retry, body) in [
            (200, None, code22.as_str()),
            (200, Some(30), code22.as_str()),
            (429, Some(7), "Too Many Requests"),
            (429, None, ""),
            (429, Some(3), code22.as_str()),
        ] {
            let e = read_page(&raw(status, retry, body)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::RateLimited, "{status} {body}");
            assert_eq!(e.retry_after, retry.map(Duration::from_secs), "{status}");
            assert!(e.kind.counts_as_failure());
        }
        // A 429 is never mistaken for data, nor for "no data".
        let ok = write_page(&[], 10, 1, 0);
        let nodata = write_result_error("03", "NODATA_ERROR");
        for body in [ok.as_str(), nodata.as_str()] {
            assert_eq!(
                read_page(&raw(429, None, body)).unwrap_err().kind,
                ErrorKind::RateLimited
            );
        }
        let gw = write_gateway_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR");
        assert_eq!(
            read_page(&raw(403, None, &gw)).unwrap_err().kind,
            ErrorKind::RateLimited
        );
    }

    #[test]
    fn a_bare_404_is_unavailable_but_an_enveloped_nodata_is_not_found() {
        let e = read_page(&raw(404, None, "<html>Not Found</html>")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("404"), "{}", e.message);
        assert_eq!(
            read_page(&raw(404, None, "")).unwrap_err().kind,
            ErrorKind::Unavailable
        );
        let nodata = write_result_error("03", "NODATA_ERROR");
        for status in [200, 404] {
            assert_eq!(
                read_page(&raw(status, None, &nodata)).unwrap_err().kind,
                ErrorKind::NotFound
            );
        }
    }

    #[test]
    fn other_statuses_classify_by_envelope_then_status() {
        assert_eq!(
            read_page(&raw(500, None, "<html/>")).unwrap_err().kind,
            ErrorKind::Unavailable
        );
        let gw = write_gateway_error("30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR");
        assert_eq!(
            read_page(&raw(200, None, &gw)).unwrap_err().kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            read_page(&raw(200, Some(5), "<resp"))
                .unwrap_err()
                .retry_after,
            None
        );
    }
}
