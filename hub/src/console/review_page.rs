//! The monthly review in the console: the month's summary, the flags (each linking to the
//! records behind it), the sign-off form, and the print view (the same report the CLI
//! writes).

use super::Console;
use super::calls::Caller;
use super::report::{self, Styles};
use super::session;
use super::view::{self, Page, number, ts_kst};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use minwon_audit::kst::Month;
use serde::Deserialize;
use std::net::SocketAddr;

/// `?month=YYYY-MM`; default the current KST month.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

impl MonthQuery {
    fn month(&self) -> String {
        if self.month.trim().is_empty() {
            Month::of(chrono::Utc::now()).to_string()
        } else {
            self.month.trim().to_string()
        }
    }
}

/// `GET /console/review`.
pub async fn show(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    let s = match session::require(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let month = q.month();
    let caller = Caller {
        hub: &state.hub,
        token: &s.token,
        client,
    };
    let r = match caller.review(&month).await {
        Ok(r) => r,
        Err(e) => return view::status_response(&s, &e),
    };
    let v = r.verification.clone().unwrap_or_default();
    let body = html! {
        h1 { "월간 접속기록 점검 " (r.month) }
        form.month method="get" action="/console/review" {
            label { span { "점검 월" } input type="month" name="month" value=(r.month); }
            button type="submit" { "보기" }
            a.print href={ "/console/review/print?month=" (r.month) } { "인쇄용 보고서" }
        }
        ul.facts {
            li { "기간: " (ts_kst(&r.from)) " ~ " (ts_kst(&r.to)) " 전 (KST)" }
            li { "접속기록 " (number(r.records)) "건, 계정 " (r.accounts.len()) "개, 점검 항목 " (r.flags.len()) "건" }
            li.verify.(if v.ok { "ok" } else { "bad" }) {
                @if v.ok { "위·변조 검증: 이상 없음 (기록 " (number(v.records_checked)) "건, 체크포인트 " (v.checkpoints_checked) "개)" }
                @else { "위·변조 검증 실패: 순번 " (v.first_bad_sequence) " — " (v.reason) }
            }
        }
        h2 { "점검 항목" }
        @if r.flags.is_empty() { p { "점검 항목이 없습니다." } }
        @else {
            table.data.flags {
                thead { tr { th { "항목" } th { "계정" } th { "내용" } th { "접속기록" } } }
                tbody {
                    @for f in &r.flags {
                        tr.flag data-kind=(f.kind) {
                            td { (f.label) } td { (f.account) } td { (f.detail) }
                            td {
                                (report::sequences(&f.sequences)) " "
                                @if let Some(first) = f.sequences.first() {
                                    a href={ "/console/records?account=" (super::records::encode(&f.account)) "&start=" (first) } { "기록 보기" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "계정별 현황" }
        (report::accounts_table(&r))
        h2 { "확인(서명)" }
        @if r.sign_offs.is_empty() { p #no-sign-off { "아직 확인되지 않았습니다." } }
        ul.sign-offs {
            @for so in &r.sign_offs {
                li.sign-off { (so.reviewer) " · " (ts_kst(&so.time)) " · " (so.comment) " (순번 " (so.sequence) ")" }
            }
        }
        form #sign-off method="post" action="/console/review/sign-off" {
            input type="hidden" name="csrf" value=(s.csrf);
            input type="hidden" name="month" value=(r.month);
            label { span { "검토 의견" } textarea name="comment" maxlength="480" rows="3" {} }
            button type="submit" { "점검 확인(서명)" }
        }
    };
    let page = Page {
        title: "월간 점검",
        path: "/console/review",
    };
    view::html(view::page(page, Some(&s), body))
}

/// `GET /console/review/print`: the printable report.
pub async fn print(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    let s = match session::require(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let caller = Caller {
        hub: &state.hub,
        token: &s.token,
        client,
    };
    match caller.review(&q.month()).await {
        Ok(r) => {
            let by = format!("{} (감사 콘솔)", s.account);
            view::html(report::render(&r, &by, Styles::Linked))
        }
        Err(e) => view::status_response(&s, &e),
    }
}

/// The sign-off form.
#[derive(Deserialize)]
pub struct SignOffForm {
    csrf: String,
    month: String,
    #[serde(default)]
    comment: String,
}

/// `POST /console/review/sign-off`, then back to the review.
pub async fn sign_off(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignOffForm>,
) -> Response {
    let s = match session::require_post(&state, &headers, &form.csrf) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let caller = Caller {
        hub: &state.hub,
        token: &s.token,
        client,
    };
    match caller.sign_off(&form.month, &form.comment).await {
        Ok(_) => {
            let month = Month::parse(&form.month)
                .map(|m| m.to_string())
                .unwrap_or_default();
            Redirect::to(&format!("/console/review?month={month}")).into_response()
        }
        Err(e) => view::status_response(&s, &e),
    }
}
