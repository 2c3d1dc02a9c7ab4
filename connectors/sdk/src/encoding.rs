//! Character encodings of back-end bodies. Legacy systems (Saeol) answer in EUC-KR; the
//! charset is taken from `Content-Type`, else from the XML prolog, else UTF-8.

use crate::error::ConnectorError;
use encoding_rs::{EUC_KR, Encoding, UTF_8};
use std::borrow::Cow;

/// Finds the charset label in a `Content-Type` value (`text/xml; charset=euc-kr`).
pub fn charset_from_content_type(ct: &str) -> Option<&str> {
    ct.split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"'))
}

/// Finds `encoding="…"` in an XML prolog at the start of `body`.
pub fn charset_from_xml_prolog(body: &[u8]) -> Option<&str> {
    let head = body.get(..body.len().min(200))?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let prolog = std::str::from_utf8(&head[..end]).ok()?;
    if !prolog.trim_start().starts_with("<?xml") {
        return None;
    }
    let at = prolog.find("encoding")?;
    let rest = prolog[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    rest.find(quote).map(|e| &rest[..e])
}

/// Decodes a body strictly: a malformed byte sequence is a [`crate::ErrorKind::BadResponse`],
/// not a replacement character silently passed on. A UTF-8 body is validated once and
/// borrowed, not copied; only another charset (EUC-KR) makes a new string.
pub fn decode_body<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
) -> Result<Cow<'a, str>, ConnectorError> {
    let label = content_type
        .and_then(charset_from_content_type)
        .or_else(|| charset_from_xml_prolog(body));
    let enc = match label {
        Some(l) => Encoding::for_label(l.as_bytes())
            .ok_or_else(|| ConnectorError::bad_response(format!("unknown charset {l:?}")))?,
        None => UTF_8,
    };
    decode_with(body, enc)
}

/// Decodes `body` strictly as `enc` (a UTF-8 BOM is dropped); borrowed when `enc` is UTF-8.
pub fn decode_with<'a>(
    body: &'a [u8],
    enc: &'static Encoding,
) -> Result<Cow<'a, str>, ConnectorError> {
    let body = body
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(body);
    enc.decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| ConnectorError::bad_response(format!("body is not valid {}", enc.name())))
}

/// Encodes text as EUC-KR (simulators and request bodies for legacy systems). Characters
/// EUC-KR cannot hold become numeric character references, as the legacy systems do.
pub fn encode_euc_kr(text: &str) -> Vec<u8> {
    EUC_KR.encode(text).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_wins_over_prolog() {
        let body = encode_euc_kr("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>민원</a>");
        let s = decode_body(&body, Some("text/xml; charset=EUC-KR")).unwrap();
        assert!(s.contains("민원"));
    }

    #[test]
    fn prolog_charset_used_without_header() {
        let body = encode_euc_kr("<?xml version='1.0' encoding='euc-kr'?><a>여권</a>");
        assert!(
            decode_body(&body, Some("text/xml"))
                .unwrap()
                .contains("여권")
        );
    }

    #[test]
    fn utf8_bodies_are_borrowed_and_euc_kr_decoded() {
        let utf8 = "\u{feff}<a>민원</a>".as_bytes();
        assert!(matches!(
            decode_body(utf8, None),
            Ok(Cow::Borrowed("<a>민원</a>"))
        ));
        let euc = encode_euc_kr("<a>민원</a>");
        let s = decode_body(&euc, Some("text/xml; charset=euc-kr")).unwrap();
        assert!(matches!(s, Cow::Owned(_)) && s == "<a>민원</a>");
    }

    #[test]
    fn malformed_bytes_are_bad_response() {
        let e =
            decode_body(&[0xB0, 0x20, 0xFF, 0xFF], Some("text/xml;charset=euc-kr")).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::BadResponse);
        assert!(decode_body(&[0xC0, 0xC1], None).is_err(), "invalid UTF-8");
    }
}
