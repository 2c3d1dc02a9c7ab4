//! Chain and checkpoint verification, and connector health with breakers (the admin role;
//! the API refuses others, and so the page does).

use super::Console;
use super::calls::Caller;
use super::session;
use super::view::{self, Page, number};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use minwon_proto::v1 as pb;
use std::net::SocketAddr;

/// `GET /console/verify`: `VerifyAuditLog` of the whole trail.
pub async fn verify(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
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
    let v = match caller.verify().await {
        Ok(v) => v,
        Err(e) => return view::status_response(&s, &e),
    };
    let key_id = state
        .hub
        .trail
        .checkpoint_public_key
        .as_ref()
        .map(minwon_audit::keys::key_id);
    let body = html! {
        h1 { "위·변조 검증" }
        p.verify.(if v.ok { "ok" } else { "bad" }) #verify-result {
            @if v.ok { "이상 없음" } @else { "검증 실패: 순번 " (v.first_bad_sequence) " — " (v.reason) }
        }
        ul.facts {
            li { "확인한 기록: " (number(v.records_checked)) "건 (해시 체인)" }
            li { "확인한 서명 체크포인트: " (v.checkpoints_checked) "개" }
            li { "체크포인트 서명 키 ID: " @match &key_id { Some(k) => code { (k) }, None => "체크포인트 없음" } }
        }
        p { "반출 묶음은 공개키만으로 오프라인 검증할 수 있습니다: " code { "minwon-hub audit verify --bundle DIR --public-key KEY" } }
    };
    let page = Page {
        title: "위·변조 검증",
        path: "/console/verify",
    };
    view::html(view::page(page, Some(&s), body))
}

fn breaker_ko(state: i32) -> &'static str {
    match pb::BreakerState::try_from(state) {
        Ok(pb::BreakerState::Closed) => "정상(닫힘)",
        Ok(pb::BreakerState::Open) => "차단(열림)",
        Ok(pb::BreakerState::HalfOpen) => "시험 중(반열림)",
        Ok(pb::BreakerState::ForcedOpen) => "수동 차단",
        Ok(pb::BreakerState::ForcedClosed) => "수동 허용",
        _ => "-",
    }
}

fn health_ko(h: i32) -> &'static str {
    match pb::ConnectorHealth::try_from(h) {
        Ok(pb::ConnectorHealth::Up) => "정상",
        Ok(pb::ConnectorHealth::Unspecified) | Err(_) => "-",
        Ok(_) => "이상",
    }
}

/// `GET /console/connectors`: `ListConnectors` with live health checks.
pub async fn connectors(
    State(state): State<Console>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
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
    let list = match caller.connectors().await {
        Ok(l) => l,
        Err(e) => return view::status_response(&s, &e),
    };
    let body = html! {
        h1 { "연계기관 상태" }
        table.data {
            thead { tr {
                th { "이름" } th { "부서" } th { "방식" } th { "상태" } th { "차단기" }
                th.n { "실패율 %" } th.n { "처리 중" } th.n { "p99 ms" }
            } }
            tbody {
                @for c in &list.connectors {
                    @let st = c.stats.unwrap_or_default();
                    tr {
                        td { (c.name) } td { (c.department) } td { (c.kind) }
                        td { (health_ko(c.health)) " " (c.health_detail) }
                        td { (breaker_ko(st.breaker_state)) }
                        td.n { (format!("{:.1}", st.failure_rate)) }
                        td.n { (st.in_flight) }
                        td.n { (format!("{:.0}", st.latency_p99_ms)) }
                    }
                }
            }
        }
    };
    let page = Page {
        title: "연계기관 상태",
        path: "/console/connectors",
    };
    view::html(view::page(page, Some(&s), body))
}
