//! Recent access (filters in the query string: none of them is personal data) with paging,
//! and one data subject's history: the RRN (or plate, or water customer number) typed into a
//! form and sent in a POST body only, so it never lands in a URL, the history or a log; the
//! hub turns it into the keyed hash, and the result page does not echo it.

use super::Console;
use super::calls::Caller;
use super::session::{self, Session};
use super::view::{self, Page, ts_kst};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use minwon_proto::v1 as pb;
use serde::Deserialize;
use std::net::SocketAddr;

/// Records per page.
const PAGE_SIZE: u32 = 50;
/// Most records of one subject's history shown.
const HISTORY_LIMIT: u32 = 500;

/// The filters of the records page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    account: String,
    role: String,
    department: String,
    channel: String,
    source: String,
    operation: String,
    action: String,
    outcome: String,
    from_date: String,
    to_date: String,
    page_token: String,
    /// Start at this sequence (links from the review's flags).
    start: String,
}

fn outcome_of(text: &str) -> i32 {
    match text {
        "allowed" => pb::AccessOutcome::Allowed as i32,
        "denied" => pb::AccessOutcome::Denied as i32,
        "failed" => pb::AccessOutcome::Failed as i32,
        _ => pb::AccessOutcome::Unspecified as i32,
    }
}

fn outcome_ko(o: i32) -> &'static str {
    match pb::AccessOutcome::try_from(o) {
        Ok(pb::AccessOutcome::Allowed) => "허용",
        Ok(pb::AccessOutcome::Denied) => "거부",
        Ok(pb::AccessOutcome::Failed) => "실패",
        _ => "-",
    }
}

impl Filters {
    fn request(&self) -> pb::QueryAccessRecordsRequest {
        // `start=N` continues after N-1; the token's hash part is not needed to page.
        let page_token = match self.start.trim().parse::<u64>() {
            Ok(n) if self.page_token.is_empty() && n > 0 => format!("{:012}-{:012}", n - 1, 0),
            _ => self.page_token.clone(),
        };
        pb::QueryAccessRecordsRequest {
            account: self.account.trim().to_string(),
            role: self.role.trim().to_string(),
            department: self.department.trim().to_string(),
            channel: self.channel.trim().to_string(),
            source: self.source.trim().to_string(),
            operation: self.operation.trim().to_string(),
            action: self.action.trim().to_string(),
            outcome: outcome_of(&self.outcome),
            from_date: self.from_date.trim().to_string(),
            to_date: self.to_date.trim().to_string(),
            page_token,
            limit: PAGE_SIZE,
            ..Default::default()
        }
    }

    /// The query string of the next page: these filters, after `last`.
    fn next(&self, last: &str) -> String {
        let pairs = [
            ("account", &self.account),
            ("role", &self.role),
            ("department", &self.department),
            ("channel", &self.channel),
            ("source", &self.source),
            ("operation", &self.operation),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from_date", &self.from_date),
            ("to_date", &self.to_date),
        ];
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        q.push(format!("page_token={}", encode(last)));
        q.join("&")
    }
}

/// Percent-encodes a query value.
pub(super) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn filter_form(f: &Filters) -> Markup {
    let field = |name: &'static str, label: &'static str, value: &str| {
        html! { label { span { (label) } input type="text" name=(name) value=(value); } }
    };
    html! {
        form.filters #filters method="get" action="/console/records" {
            (field("account", "계정", &f.account))
            (field("role", "역할", &f.role))
            (field("department", "부서", &f.department))
            (field("channel", "채널", &f.channel))
            (field("source", "연계기관", &f.source))
            (field("operation", "작업", &f.operation))
            label { span { "구분" } select name="action" {
                option value="" { "전체" }
                option value="view" selected[f.action == "view"] { "조회" }
                option value="export" selected[f.action == "export"] { "반출" }
            } }
            label { span { "결과" } select name="outcome" {
                option value="" { "전체" }
                option value="allowed" selected[f.outcome == "allowed"] { "허용" }
                option value="denied" selected[f.outcome == "denied"] { "거부" }
                option value="failed" selected[f.outcome == "failed"] { "실패" }
            } }
            label { span { "시작일(KST)" } input type="date" name="from_date" value=(f.from_date); }
            label { span { "종료일(KST, 미포함)" } input type="date" name="to_date" value=(f.to_date); }
            button type="submit" { "조회" }
        }
    }
}

/// The records table.
pub fn table(records: &[pb::AccessRecord]) -> Markup {
    html! {
        @if records.is_empty() {
            p.empty { "조건에 맞는 접속기록이 없습니다." }
        } @else {
            table.records {
                thead { tr {
                    th { "순번" } th { "시각(KST)" } th { "계정" } th { "역할" } th { "부서" }
                    th { "채널" } th { "접속지" } th { "작업" } th { "구분" } th { "정보주체" }
                    th { "연계기관" } th { "사유" } th { "결과" }
                } }
                tbody {
                    @for r in records {
                        tr.record data-sequence=(r.sequence) {
                            td.n { (r.sequence) }
                            td.nowrap { (ts_kst(&r.time)) }
                            td.account { (r.account) } td { (r.role) } td { (r.department) }
                            td { (r.channel) } td { (r.client_address) } td { (r.operation) }
                            td { (if r.action == "export" { "반출" } else { "조회" }) }
                            td { @for s in &r.subjects { span.chip { (s.masked) } " " } }
                            td { (r.sources.join(", ")) }
                            td { (r.purpose_note) }
                            td { (outcome_ko(r.outcome)) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/records`.
pub async fn list(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
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
    let records = match caller.query(f.request()).await {
        Ok(r) => r,
        Err(e) => return view::status_response(&s, &e),
    };
    let next = (records.len() == PAGE_SIZE as usize)
        .then(|| records.last().map(|r| f.next(&r.audit_id)))
        .flatten();
    let body = html! {
        h1 { "접속기록" }
        (filter_form(&f))
        p.count { "이 페이지 " (records.len()) "건" }
        (table(&records))
        @if let Some(q) = next { p.pager { a #next href={ "/console/records?" (q) } { "다음 페이지 →" } } }
    };
    let page = Page {
        title: "접속기록",
        path: "/console/records",
    };
    view::html(view::page(page, Some(&s), body))
}

fn subject_page(s: &Session, result: Option<Markup>) -> Response {
    let body = html! {
        h1 { "정보주체별 조회 이력" }
        p { "주민등록번호(또는 차량번호, 수도 고객번호)는 이 양식으로만 보내며 주소창·방문 기록에 남지 않습니다. 허브는 키가 있는 해시로만 찾고 번호를 저장하지 않습니다." }
        form #subject method="post" action="/console/subject" autocomplete="off" {
            input type="hidden" name="csrf" value=(s.csrf);
            label { span { "주민등록번호" } input #rrn type="text" name="rrn" autocomplete="off" spellcheck="false" inputmode="numeric" placeholder="900101-1234567"; }
            label { span { "차량번호" } input type="text" name="vehicle_number" autocomplete="off"; }
            label { span { "수도 고객번호" } input type="text" name="water_customer_no" autocomplete="off"; }
            button type="submit" { "이력 조회" }
        }
        @if let Some(r) = result { (r) }
    };
    let page = Page {
        title: "정보주체별 이력",
        path: "/console/subject",
    };
    view::html(view::page(page, Some(s), body))
}

/// `GET /console/subject`: the form.
pub async fn subject_form(State(state): State<Console>, headers: HeaderMap) -> Response {
    match session::require(&state, &headers) {
        Ok(s) => subject_page(&s, None),
        Err(r) => *r,
    }
}

/// The subject form.
#[derive(Deserialize)]
pub struct SubjectForm {
    csrf: String,
    #[serde(default)]
    rrn: String,
    #[serde(default)]
    vehicle_number: String,
    #[serde(default)]
    water_customer_no: String,
}

/// `POST /console/subject`: the history, newest page of up to 500 records.
pub async fn subject_history(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SubjectForm>,
) -> Response {
    let s = match session::require_post(&state, &headers, &form.csrf) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if form.rrn.trim().is_empty()
        && form.vehicle_number.trim().is_empty()
        && form.water_customer_no.trim().is_empty()
    {
        return subject_page(
            &s,
            Some(html! { p.error { "번호를 하나 이상 입력하세요." } }),
        );
    }
    let q = pb::QueryAccessRecordsRequest {
        subject_rrn: form.rrn.trim().to_string(),
        subject_vehicle_number: form.vehicle_number.trim().to_string(),
        subject_water_customer_no: form.water_customer_no.trim().to_string(),
        limit: HISTORY_LIMIT,
        ..Default::default()
    };
    let caller = Caller {
        hub: &state.hub,
        token: &s.token,
        client,
    };
    match caller.query(q).await {
        Ok(records) => {
            let result = html! {
                h2 { "조회 이력 " (records.len()) "건" }
                (table(&records))
            };
            subject_page(&s, Some(result))
        }
        Err(e) if e.code() == tonic::Code::InvalidArgument => {
            subject_page(&s, Some(html! { p.error role="alert" { (e.message()) } }))
        }
        Err(e) => view::status_response(&s, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters_and_start_becomes_a_token() {
        let f = Filters {
            account: "상담 01".into(),
            ..Filters::default()
        };
        assert_eq!(
            f.next("000000000050-abcdef012345"),
            "account=%EC%83%81%EB%8B%B4%2001&page_token=000000000050-abcdef012345"
        );
        let f = Filters {
            start: "7".into(),
            ..Filters::default()
        };
        assert_eq!(f.request().page_token, "000000000006-000000000000");
    }
}
