//! The console's page layout (Korean, the navigation, the sign-out form) and the helpers
//! every page shares: KST times, numbers, and error pages from API statuses.

use super::session::Session;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

/// A page's title and which navigation entry is current.
pub struct Page {
    /// Shown in the title bar and as the heading.
    pub title: &'static str,
    /// The path of the current navigation entry.
    pub path: &'static str,
}

impl Page {
    /// A page outside the navigation.
    pub fn new(title: &'static str) -> Self {
        Page { title, path: "" }
    }
}

const NAV: [(&str, &str); 5] = [
    ("/console/records", "접속기록"),
    ("/console/subject", "정보주체별 이력"),
    ("/console/review", "월간 점검"),
    ("/console/verify", "위·변조 검증"),
    ("/console/connectors", "연계기관 상태"),
];

/// The whole page around `body`.
pub fn page(p: Page, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ko" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.title) " — minwon-hub 감사 콘솔" }
                link rel="icon" href="/console/assets/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header.top {
                    span.brand { "minwon-hub 감사 콘솔" }
                    @if let Some(s) = session {
                        nav {
                            @for (path, label) in NAV {
                                @if path != "/console/connectors" || s.role == "admin" {
                                    a href=(path) class=[(path == p.path).then_some("current")] { (label) }
                                }
                            }
                        }
                        span.who { (s.account) " (" (s.role) ")" }
                        form.logout method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { "로그아웃" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A rendered page as an HTML response.
pub fn html(markup: Markup) -> Response {
    axum::response::Html(markup.into_string()).into_response()
}

/// A plain error page with `status`.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    let body = html! {
        h1 { "요청을 처리할 수 없습니다" }
        p.error role="alert" { (message) }
        p { a href="/console/" { "처음으로" } }
    };
    (status, html(page(Page::new("오류"), None, body))).into_response()
}

/// An API refusal as a page: an expired or bad token signs out, a denial is 403 with the
/// API's message (never personal data), bad input 400, anything else 503.
pub fn status_response(session: &Session, s: &tonic::Status) -> Response {
    use tonic::Code;
    let (code, lead) = match s.code() {
        Code::Unauthenticated => return Redirect::to("/console/login").into_response(),
        Code::PermissionDenied => (StatusCode::FORBIDDEN, "권한이 없습니다"),
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            (StatusCode::BAD_REQUEST, "입력을 확인하세요")
        }
        Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "요청이 너무 많습니다"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "지금은 처리할 수 없습니다"),
    };
    let body = html! {
        h1 { (lead) }
        p.error role="alert" { (s.message()) }
        p { a href="/console/records" { "접속기록으로" } }
    };
    (code, html(page(Page::new(lead), Some(session), body))).into_response()
}

/// A protobuf time as KST `YYYY-MM-DD HH:MM:SS`; empty when unset.
pub fn ts_kst(t: &Option<prost_types::Timestamp>) -> String {
    t.as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(kst_time)
        .unwrap_or_default()
}

/// A time as KST `YYYY-MM-DD HH:MM:SS`.
pub fn kst_time(t: chrono::DateTime<chrono::Utc>) -> String {
    minwon_audit::kst::to_kst(t)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A count with thousands separators.
pub fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_separators_and_times_are_kst() {
        assert_eq!(number(1234567), "1,234,567");
        assert_eq!(number(12), "12");
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-30T16:00:00Z").unwrap();
        assert_eq!(kst_time(t.to_utc()), "2026-12-01 01:00:00");
    }
}
