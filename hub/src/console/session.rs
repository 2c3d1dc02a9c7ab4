//! Signing in to the console: a bearer token typed into a field (or passed as `#token=…` in
//! the URL, which the browser never sends to a server; `console.js` moves it into the field
//! and submits), checked by the hub's own authenticator, and kept server-side in a session.
//!
//! The browser only holds an opaque session id in a cookie that is `HttpOnly`,
//! `SameSite=Strict`, `Path=/console/`, and `Secure` when the request came over TLS (a
//! TLS-terminating proxy's `X-Forwarded-Proto: https`: setting `Secure` can only restrict).
//! Every POST carries the session's CSRF token; the sign-in form a pre-session one bound to
//! its own cookie.

use super::Console;
use super::view::{self, Page};
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
const COOKIE: &str = "minwon_console";
/// The sign-in form's pre-session CSRF cookie.
const LOGIN_COOKIE: &str = "minwon_console_login";
/// A session ends this long after sign-in (the token's own expiry still applies per call).
const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// Most live sessions; sign-in beyond it is refused until some expire.
const MAX_SESSIONS: usize = 1000;

/// One signed-in user.
#[derive(Clone)]
pub struct Session {
    /// The bearer token every call is made with.
    pub token: String,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// For the page header only (authorization is the API's, per call).
    pub account: String,
    /// For the page header and navigation only.
    pub role: String,
    expires: Instant,
}

/// The live sessions, in memory (a restart signs everyone out).
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

fn random_id() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

impl Sessions {
    fn insert(&self, token: String, account: String, role: String) -> Option<(String, Session)> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_SESSIONS {
            return None;
        }
        let id = random_id();
        let session = Session {
            token,
            csrf: random_id(),
            account,
            role,
            expires: now + LIFETIME,
        };
        map.insert(id.clone(), session.clone());
        Some((id, session))
    }

    fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(id) {
            Some(s) if s.expires > Instant::now() => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

/// A cookie's value from the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Constant-time comparison of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The request's session, if signed in.
pub fn current(state: &Console, headers: &HeaderMap) -> Option<Session> {
    state.sessions.get(cookie(headers, COOKIE)?)
}

/// The signed-in session, or a redirect to the sign-in page.
pub fn require(state: &Console, headers: &HeaderMap) -> Result<Session, Box<Response>> {
    current(state, headers).ok_or_else(|| Box::new(Redirect::to("/console/login").into_response()))
}

/// The session of a state-changing request: signed in, and its CSRF token the session's.
pub fn require_post(
    state: &Console,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Box<Response>> {
    let s = require(state, headers)?;
    check_csrf(&s, csrf)?;
    Ok(s)
}

/// A POST's CSRF token must be the session's.
pub fn check_csrf(session: &Session, sent: &str) -> Result<(), Box<Response>> {
    if same(&session.csrf, sent) {
        Ok(())
    } else {
        Err(Box::new(view::error_response(
            StatusCode::FORBIDDEN,
            "요청을 확인할 수 없습니다 (CSRF 토큰 불일치). 페이지를 새로 고친 뒤 다시 시도하세요.",
        )))
    }
}

/// Where a role starts: admins see connectors (they may not read the trail), everyone else
/// the records (what they may see there is the API's decision).
fn start_page(role: &str) -> &'static str {
    if role == "admin" {
        "/console/connectors"
    } else {
        "/console/records"
    }
}

/// `/console/`: the start page when signed in, else sign-in.
pub async fn home(State(state): State<Console>, headers: HeaderMap) -> Response {
    match current(&state, &headers) {
        Some(s) => Redirect::to(start_page(&s.role)).into_response(),
        None => Redirect::to("/console/login").into_response(),
    }
}

fn login_form(headers: &HeaderMap, error: Option<&str>) -> Response {
    let csrf = random_id();
    let body = html! {
        h1 { "감사 콘솔 로그인" }
        p { "기관 인증 서버가 발급한 토큰(Bearer)을 붙여 넣으세요. 콘솔은 토큰의 권한으로만 조회하며, 모든 조회는 접속기록에 남습니다." }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form #login method="post" action="/console/login" {
            input type="hidden" name="csrf" value=(csrf);
            label for="token" { "토큰" }
            input #token type="password" name="token" autocomplete="off" required;
            button type="submit" { "로그인" }
        }
    };
    let mut r = view::html(view::page(Page::new("로그인"), None, body));
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(headers, LOGIN_COOKIE, &csrf, 600),
    );
    r
}

/// `GET /console/login`.
pub async fn login_page(headers: HeaderMap) -> Response {
    login_form(&headers, None)
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
    csrf: String,
}

/// `POST /console/login`: the token is checked like any API call's (the same throttle on
/// invalid tokens applies); the page never echoes it.
pub async fn login(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let pre = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if pre.is_empty() || !same(pre, &form.csrf) {
        return login_form(
            &headers,
            Some("로그인 양식이 만료되었습니다. 다시 시도하세요."),
        );
    }
    let token = form.token.trim().to_string();
    let md = {
        let mut md = http::HeaderMap::new();
        if let Ok(v) = format!("Bearer {token}").parse() {
            md.insert(http::header::AUTHORIZATION, v);
        }
        md
    };
    let principal = match state.hub.auth.authenticate_parts(&md, Some(client)).await {
        Ok(p) => p,
        Err(e) => {
            let msg = format!("로그인할 수 없습니다: {}", e.message());
            return login_form(&headers, Some(&msg));
        }
    };
    let role = principal.role.as_str().to_string();
    let start = start_page(&role);
    let Some((id, _)) = state.sessions.insert(token, principal.account, role) else {
        return login_form(
            &headers,
            Some("접속자가 너무 많습니다. 잠시 후 다시 시도하세요."),
        );
    };
    let mut r = Redirect::to(start).into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&headers, COOKIE, &id, LIFETIME.as_secs()),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&headers, LOGIN_COOKIE, "", 0),
    );
    r
}

/// The sign-out form.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /console/logout`.
pub async fn logout(
    State(state): State<Console>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let session = match require(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if let Err(r) = check_csrf(&session, &form.csrf) {
        return *r;
    }
    if let Some(id) = cookie(&headers, COOKIE) {
        state.sessions.remove(id);
    }
    let mut r = Redirect::to("/console/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&headers, COOKIE, "", 0));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_only_over_tls() {
        let plain = HeaderMap::new();
        let c = set_cookie(&plain, COOKIE, "abc", 60);
        let c = c.to_str().unwrap();
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        assert!(!c.contains("Secure"), "{c}");
        let mut tls = HeaderMap::new();
        tls.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(
            set_cookie(&tls, COOKIE, "abc", 60)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
    }

    #[test]
    fn a_session_cookie_is_found_among_others_and_tokens_compare_exactly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; minwon_console=xyz; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "minwon"), None);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab"));
        let sessions = Sessions::default();
        let (id, s) = sessions
            .insert("t".into(), "a".into(), "auditor".into())
            .unwrap();
        assert_eq!(sessions.get(&id).unwrap().csrf, s.csrf);
        sessions.remove(&id);
        assert!(sessions.get(&id).is_none());
    }
}
