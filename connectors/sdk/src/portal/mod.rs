//! The public-data-portal (data.go.kr-style) XML envelope.
//!
//! Success is `<response><header><resultCode>00</resultCode>…</header><body><items><item>…`
//! with paging fields; failures arrive **with HTTP 200** either as a non-`00` `resultCode` or
//! as an `<OpenAPI_ServiceResponse>` gateway error. Both are classified here, in one table,
//! so no connector can mistake a quota error for success.
//!
//! - [`response`] — HTTP response → page ([`read_page`]: 429, Retry-After, bare 404);
//! - [`item`] — typed reads of an item's fields, errors naming the field; [`Item`] itself is
//!   a small owned record (`fields`);
//! - `envelope` turns XML events into a page — from [`crate::xml`]'s quick scan of plain
//!   documents, or from quick-xml for the rest;
//! - here — the parser's entry, detail checks and the writers simulators use.

use crate::error::{ConnectorError, ErrorKind};

#[cfg(test)]
mod differential;
mod envelope;
mod fields;
pub mod item;
pub mod response;

pub use fields::Item;
pub use response::read_page;

/// Deepest element nesting accepted; deeper documents are refused as malformed.
pub const MAX_DEPTH: usize = 32;

/// One successfully parsed page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortalPage {
    /// The `resultCode` (`00`, or `000` on some newer APIs).
    pub result_code: String,
    /// The items; a single `<item>` is a list of one.
    pub items: Vec<Item>,
    /// `numOfRows`, when present.
    pub num_of_rows: Option<u32>,
    /// `pageNo`, when present.
    pub page_no: Option<u32>,
    /// `totalCount`, when present.
    pub total_count: Option<u32>,
}

/// Classifies a portal result code; `None` means success.
pub fn classify_result_code(code: &str) -> Option<(ErrorKind, &'static str)> {
    let c = code.trim();
    let r = match c {
        "00" | "000" | "0" => return None,
        "01" => (ErrorKind::Unavailable, "APPLICATION_ERROR"),
        "02" => (ErrorKind::Unavailable, "DB_ERROR"),
        "03" => (ErrorKind::NotFound, "NODATA_ERROR"),
        "04" => (ErrorKind::Unavailable, "HTTP_ERROR"),
        "05" => (ErrorKind::Timeout, "SERVICETIME_OUT"),
        "10" => (ErrorKind::InvalidQuery, "INVALID_REQUEST_PARAMETER_ERROR"),
        "11" => (
            ErrorKind::InvalidQuery,
            "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
        ),
        "12" => (ErrorKind::Unavailable, "NO_OPENAPI_SERVICE_ERROR"),
        "20" => (ErrorKind::Unauthorized, "SERVICE_ACCESS_DENIED_ERROR"),
        "21" => (
            ErrorKind::Unauthorized,
            "TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR",
        ),
        "22" => (
            ErrorKind::RateLimited,
            "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
        ),
        "30" => (
            ErrorKind::Unauthorized,
            "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
        ),
        "31" => (ErrorKind::Unauthorized, "DEADLINE_HAS_EXPIRED_ERROR"),
        "32" => (ErrorKind::Unauthorized, "UNREGISTERED_IP_ERROR"),
        "33" => (ErrorKind::Unauthorized, "UNSIGNED_CALL_ERROR"),
        "99" => (ErrorKind::Unavailable, "UNKNOWN_ERROR"),
        _ => (ErrorKind::Unavailable, "unrecognised result code"),
    };
    Some(r)
}

fn code_error(code: &str) -> ConnectorError {
    let (kind, name) = classify_result_code(code).unwrap_or((ErrorKind::Internal, "success"));
    // The code is from a closed table or sanitised below; safe to show.
    let shown: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    ConnectorError::new(kind, format!("portal result code {shown} ({name})"))
}

/// Parses one response body (already decoded to text) into a page, or the classified error the
/// envelope carries. Never panics; any structural problem is [`ErrorKind::BadResponse`].
pub fn parse_page(xml: &str) -> Result<PortalPage, ConnectorError> {
    // Plain documents (every portal answer seen so far) by the quick scan; anything else, and
    // every malformed document, by quick-xml — the scan steps aside rather than judge.
    let mut b = envelope::Builder::default();
    match crate::xml::scan_plain(xml, |ev| b.on(ev)) {
        Ok(Ok(())) => b.finish(),
        Ok(Err(e)) => Err(e),
        Err(crate::xml::NotPlain) => envelope::read_with_quick_xml(xml),
    }
}

/// The one item a detail look-up must answer for `id`: no item is NotFound ("no such
/// `what`"); several items, or an item whose `id_field` differs, is BadResponse — a detail
/// answer about another record would show someone else's data.
pub fn single_item<'a>(
    page: &'a PortalPage,
    id_field: &str,
    id: &str,
    what: &str,
) -> Result<&'a Item, ConnectorError> {
    let item = match page.items.as_slice() {
        [] => return Err(ConnectorError::not_found(format!("no such {what}"))),
        [one] => one,
        _ => {
            return Err(ConnectorError::bad_response(format!(
                "{what} detail answered more than one item"
            )));
        }
    };
    if item.get(id_field).map(str::trim) != Some(id) {
        return Err(ConnectorError::bad_response(format!(
            "{what} detail answered another {what}"
        )));
    }
    Ok(item)
}

/// Whether `id` is a plain record number a portal takes: 1 to 64 ASCII letters, digits and
/// hyphens (anything else is refused before it reaches the back-end).
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Writes a success envelope (used by simulators; kept beside the parser so both agree).
pub fn write_page(
    items: &[Vec<(&str, String)>],
    num_of_rows: u32,
    page_no: u32,
    total: u32,
) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><header><resultCode>00</resultCode>\
         <resultMsg>NORMAL SERVICE.</resultMsg></header><body><items>",
    );
    for item in items {
        s.push_str("<item>");
        for (k, v) in item {
            s.push_str(&format!("<{k}>{}</{k}>", escape(v)));
        }
        s.push_str("</item>");
    }
    s.push_str(&format!(
        "</items><numOfRows>{num_of_rows}</numOfRows><pageNo>{page_no}</pageNo>\
         <totalCount>{total}</totalCount></body></response>"
    ));
    s
}

/// Writes a non-`00` result envelope.
pub fn write_result_error(code: &str, msg: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><header><resultCode>{code}</resultCode>\
         <resultMsg>{}</resultMsg></header></response>",
        escape(msg)
    )
}

/// Writes a gateway error (`OpenAPI_ServiceResponse`).
pub fn write_gateway_error(reason_code: &str, auth_msg: &str) -> String {
    format!(
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>\
         <returnAuthMsg>{}</returnAuthMsg><returnReasonCode>{reason_code}</returnReasonCode>\
         </cmmMsgHeader></OpenAPI_ServiceResponse>",
        escape(auth_msg)
    )
}

/// Escapes text for XML content.
pub fn escape(v: &str) -> String {
    quick_xml::escape::escape(v).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OK: &str = "<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header>\
        <body><items><item><taxNo>A1</taxNo><amt>1000</amt></item><item><taxNo>A2</taxNo><amt>2 &amp; 3</amt></item></items>\
        <numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>37</totalCount></body></response>";

    #[test]
    fn parses_items_and_paging() {
        let p = parse_page(OK).unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(&p.items[1]["amt"], "2 & 3");
        assert_eq!(
            (p.num_of_rows, p.page_no, p.total_count),
            (Some(10), Some(1), Some(37))
        );
    }

    #[test]
    fn single_item_is_a_list_of_one() {
        let xml = write_page(&[vec![("a", "1".into())]], 10, 1, 1);
        assert_eq!(parse_page(&xml).unwrap().items.len(), 1);
    }

    #[test]
    fn result_codes_in_http_200_are_classified() {
        let kind = |c: &str| parse_page(&write_result_error(c, "x")).unwrap_err().kind;
        assert_eq!(kind("22"), ErrorKind::RateLimited);
        assert_eq!(kind("03"), ErrorKind::NotFound);
        for c in ["20", "30", "31", "32"] {
            assert_eq!(kind(c), ErrorKind::Unauthorized, "{c}");
        }
        for c in ["01", "02", "04", "99"] {
            assert_eq!(kind(c), ErrorKind::Unavailable, "{c}");
        }
        assert_eq!(kind("10"), ErrorKind::InvalidQuery);
    }

    #[test]
    fn gateway_error_root_is_classified() {
        let e = parse_page(&write_gateway_error(
            "30",
            "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
        ))
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        let e = parse_page(&write_gateway_error("22", "LIMITED")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
    }

    #[test]
    fn structural_problems_are_bad_response() {
        for xml in [
            "",
            "<response>",
            "<html>oops</html>",
            "<response><header></header></response>",
            &OK[..OK.len() - 5],
        ] {
            assert_eq!(
                parse_page(xml).unwrap_err().kind,
                ErrorKind::BadResponse,
                "{xml:?}"
            );
        }
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse_page(&deep).unwrap_err().kind, ErrorKind::BadResponse);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,400}") {
            let _ = parse_page(&s);
        }

        #[test]
        fn never_panics_on_truncated_or_mutated_envelopes(cut in 0usize..400, at in 0usize..400, ch in any::<char>()) {
            let cut = cut.min(OK.len());
            let mut s: String = OK.chars().take(cut).collect();
            let pos = s.char_indices().nth(at.min(s.chars().count())).map(|(i, _)| i).unwrap_or(s.len());
            s.insert(pos, ch);
            if let Err(e) = parse_page(&s) {
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}
