//! The `{"result": {"code": "…"}}` convention of the city's JSON back-ends (water, welfare,
//! the template's bookings API): the result code read on its own, so that an error answer is
//! classified by its code even when the rest of the body does not decode.

use super::field;
use serde::Deserialize;
use std::borrow::Cow;

/// `result` of an answer: its code, borrowed from the body (`None` when absent or not text).
#[derive(Debug, Deserialize)]
pub struct ResultCode<'a> {
    /// The result code as sent.
    #[serde(default, borrow, deserialize_with = "field::string")]
    pub code: Option<Cow<'a, str>>,
}

/// Only an answer's `result`, for a body whose other parts did not decode.
#[derive(Debug, Deserialize)]
pub struct ResultHead<'a> {
    /// The `result` object, when there is one.
    #[serde(default, borrow)]
    pub result: Option<ResultCode<'a>>,
}

impl<'a> ResultHead<'a> {
    /// The result code of `body`, if it has one (whatever the rest of it holds).
    pub fn code_of(body: &'a [u8], what: &str) -> Option<Cow<'a, str>> {
        super::decode::<ResultHead>(body, what).ok()?.result?.code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_read_whatever_else_the_body_holds() {
        let body = br#"{"result":{"code":"E404","message":"x"},"data":{"broken":[}"#;
        assert_eq!(ResultHead::code_of(body, "test"), None, "not JSON at all");
        let body = br#"{"result":{"code":"E404"},"data":"not an object"}"#;
        assert_eq!(ResultHead::code_of(body, "test").as_deref(), Some("E404"));
        let body = br#"{"result":{"code":7}}"#;
        assert_eq!(
            ResultHead::code_of(body, "test"),
            None,
            "a number is no code"
        );
        assert_eq!(ResultHead::code_of(b"{}", "test"), None);
    }
}
