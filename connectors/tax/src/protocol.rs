//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, item element names, and `application/x-www-form-urlencoded` encoding.
//!
//! Requests are `POST <base_url><SERVICE_PATH>/<operation>?serviceKey=<key>` with the query
//! parameters in a form body. The service key stays in the query string as the public-data
//! portal expects; personal data (the RRN) goes in the body, because query strings end up in
//! access logs of every proxy and web server on the way.

/// Path of the service below the base URL (institution code / service name).
pub const SERVICE_PATH: &str = "/1741000/LocalTaxService";
/// Operation listing a taxpayer's bills, paged. Form: `rrn`, `numOfRows`, `pageNo`.
pub const OP_LIST: &str = "getLocalTaxBillList";
/// Operation returning one bill. Form: `taxBillNo`.
pub const OP_DETAIL: &str = "getLocalTaxBillDetail";
/// The service key the simulator accepts by default and the config uses by default.
pub const DEMO_SERVICE_KEY: &str = "minwon-demo-tax-key";
/// Content type of every XML answer.
pub const XML_CONTENT_TYPE: &str = "application/xml;charset=UTF-8";
/// Content type of request bodies.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Request parameter names.
pub mod param {
    /// The service key (query string).
    pub const SERVICE_KEY: &str = "serviceKey";
    /// Taxpayer RRN, 13 digits (form body).
    pub const RRN: &str = "rrn";
    /// Page size (form body).
    pub const NUM_OF_ROWS: &str = "numOfRows";
    /// 1-based page number (form body).
    pub const PAGE_NO: &str = "pageNo";
    /// Bill number (form body).
    pub const TAX_BILL_NO: &str = "taxBillNo";
}

/// Element names inside one `<item>`.
pub mod field {
    /// Bill number (고지번호), unique and stable.
    pub const TAX_BILL_NO: &str = "taxBillNo";
    /// Tax item name (세목명): 자동차세, 재산세, 주민세, 지방소득세.
    pub const TAX_ITEM_NM: &str = "taxItemNm";
    /// Tax year (과세연도), four digits.
    pub const TAX_YR: &str = "taxYr";
    /// Levy period (기분): 1기, 2기, 7월분, 9월분, 8월분, 종합소득분.
    pub const LEVY_PRD_NM: &str = "levyPrdNm";
    /// Taxpayer name (personal).
    pub const TAXPAYER_NM: &str = "taxpayerNm";
    /// Vehicle plate of a car tax bill (personal).
    pub const VHCL_NO: &str = "vhclNo";
    /// Address of the taxed object (personal).
    pub const OBJ_ADDR: &str = "objAddr";
    /// Amount due in won, digits.
    pub const TAX_AMT: &str = "taxAmt";
    /// Levy date `YYYYMMDD`.
    pub const LEVY_DE: &str = "levyDe";
    /// Payment due date `YYYYMMDD`.
    pub const DUE_DE: &str = "dueDe";
    /// Payment date `YYYYMMDD`, when paid.
    pub const PAY_DE: &str = "payDe";
    /// Status word: 미납, 납부완료, 체납, 이의신청 (others possible).
    pub const STTUS_NM: &str = "sttusNm";
    /// Department in charge.
    pub const DEPT_NM: &str = "deptNm";
    /// Department phone.
    pub const DEPT_TELNO: &str = "deptTelno";
    /// Bank of the virtual account.
    pub const VRTL_ACNT_BANK_NM: &str = "vrtlAcntBankNm";
    /// Virtual account number for payment (personal).
    pub const VRTL_ACNT_NO: &str = "vrtlAcntNo";
}

/// Encodes pairs as `application/x-www-form-urlencoded` (WHATWG rules: unreserved bytes kept,
/// space as `+`, everything else `%XX` of its UTF-8 bytes).
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
    }
    out
}

fn encode_component(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// Decodes a form body leniently (a broken `%` escape is kept literally; invalid UTF-8 is
/// replaced). The first value of each name wins.
pub fn form_decode(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of `name` in decoded form pairs.
pub fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trips_keys_with_portal_special_characters() {
        let key = "a+b/c==d 재산";
        let body = form_encode(&[("serviceKey", key), ("rrn", "9001011234567")]);
        assert!(!body.contains('/') && !body.contains("=="));
        let pairs = form_decode(&body);
        assert_eq!(form_value(&pairs, "serviceKey"), Some(key));
        assert_eq!(form_value(&pairs, "rrn"), Some("9001011234567"));
    }

    #[test]
    fn form_decode_is_lenient() {
        let pairs = form_decode("a=%zz&b=%4&&c&d=%E2%82");
        assert_eq!(form_value(&pairs, "a"), Some("%zz"));
        assert_eq!(form_value(&pairs, "b"), Some("%4"));
        assert_eq!(form_value(&pairs, "c"), Some(""));
        assert!(form_value(&pairs, "d").is_some());
    }
}
