//! The Saeol back-end simulator: `MinwonService` over real HTTP on loopback, SOAP 1.1 in
//! EUC-KR, with the SDK's fault switch (`/_sim/fault`) merged in.
//!
//! Faults: `http_500` answers a WAS error page with HTTP 500; `envelope_error` answers a SOAP
//! Server fault (`SYS-DB-001`) with HTTP **200**, as some legacy gateways do; `malformed`
//! answers the real response cut in half; `hang` and `slow` are the switch's own delays.

pub mod data;
pub mod kb;

use crate::fault::{FaultSide, write_fault};
use crate::mapping::format_kst;
use crate::schema::{CONTENT_TYPE, DEFAULT_SERVICE_PATH, Operation, code, el};
use crate::soap::{Element, XmlWriter, parse_envelope, write_response};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use data::{ComplaintStore, write_complaint};
use kb::KnowledgeBase;
use minwon_connector_sdk::encoding::{decode_body, encode_euc_kr};
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use std::net::SocketAddr;
use std::sync::Arc;

/// What the WAS in front of Saeol answers when it fails outright.
const WAS_ERROR_PAGE: &str = "<html><head><title>500 Internal Server Error</title></head>\
    <body><h1>Internal Server Error</h1><p>JEUS Web Container</p></body></html>";

/// Everything the service answers from.
#[derive(Debug)]
pub struct SimState {
    store: ComplaintStore,
    kb: KnowledgeBase,
    switch: FaultSwitch,
}

/// The simulator's router: the SOAP endpoint plus `/_sim/fault`.
pub fn router(population: &Population, switch: FaultSwitch) -> Router {
    let state = Arc::new(SimState {
        store: ComplaintStore::generate(population),
        kb: KnowledgeBase::bundled(),
        switch: switch.clone(),
    });
    Router::new()
        .route(DEFAULT_SERVICE_PATH, post(service))
        .with_state(state)
        .merge(fault_router(switch))
}

/// Starts the simulator on `addr` (port 0 picks a free port).
pub async fn start(population: Population, addr: SocketAddr) -> std::io::Result<SimHandle> {
    SimHandle::serve(router(&population, FaultSwitch::default()), addr).await
}

/// A SOAP answer before encoding: HTTP status and envelope text.
type Answer = (StatusCode, String);

fn soap_reply(status: StatusCode, bytes: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], bytes).into_response()
}

async fn service(State(st): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    let action = st.switch.apply().await;
    let (status, xml) = st.answer(&headers, &body);
    match action {
        FaultAction::Proceed => soap_reply(status, encode_euc_kr(&xml)),
        FaultAction::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            WAS_ERROR_PAGE,
        )
            .into_response(),
        FaultAction::EnvelopeError => soap_reply(
            StatusCode::OK,
            encode_euc_kr(&write_fault(
                FaultSide::Server,
                "데이터베이스 연결 오류가 발생했습니다.",
                code::SYS_DB,
            )),
        ),
        FaultAction::Malformed => {
            let mut bytes = encode_euc_kr(&xml);
            bytes.truncate(bytes.len() / 2);
            soap_reply(StatusCode::OK, bytes)
        }
    }
}

fn client_fault(message: &str, error_code: &str) -> Answer {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        write_fault(FaultSide::Client, message, error_code),
    )
}

impl SimState {
    /// Answers one request as the real service would (SOAP faults with HTTP 500).
    fn answer(&self, headers: &HeaderMap, body: &[u8]) -> Answer {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let Ok(text) = decode_body(body, content_type) else {
            return client_fault("요청 문자 인코딩이 올바르지 않습니다.", code::INVALID_PARAM);
        };
        let Ok(env) = parse_envelope(&text) else {
            return client_fault("요청 전문 형식이 올바르지 않습니다.", code::INVALID_PARAM);
        };
        let org_ok = env
            .header
            .as_ref()
            .and_then(|h| h.child(el::REQ_INFO))
            .and_then(|r| r.child_text(el::ORG_CD))
            .is_some_and(|o| o.len() == 10 && o.bytes().all(|b| b.is_ascii_digit()));
        if !org_ok {
            return client_fault("등록되지 않은 기관입니다.", code::AUTH_ORG);
        }
        let action = headers
            .get("soapaction")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let op = match Operation::from_name(&env.payload.name) {
            Some(op) if action.trim_matches('"') == op.soap_action().trim_matches('"') => op,
            _ => return client_fault("지원하지 않는 서비스입니다.", code::UNKNOWN_OPERATION),
        };
        let p = &env.payload;
        match op {
            Operation::GetCivilComplaintList => self.list(p),
            Operation::GetCivilComplaintDetail => self.detail(p),
            Operation::SearchKnowledge => self.search(p),
            Operation::GetServerStatus => (
                StatusCode::OK,
                write_response(op, |w| {
                    let now = chrono::Utc::now()
                        .with_timezone(&minwon_connector_sdk::dates::kst())
                        .naive_local();
                    w.leaf(el::SRVR_STTS_CD, "UP")
                        .leaf(el::SRVR_TM, &format_kst(now));
                }),
            ),
        }
    }

    fn list(&self, p: &Element) -> Answer {
        let rrno = p.child_text(el::RRNO).unwrap_or("");
        if rrno.len() != 13 || !rrno.bytes().all(|b| b.is_ascii_digit()) {
            return client_fault("주민등록번호 형식 오류", code::INVALID_PARAM);
        }
        let found = self.store.for_rrn_digits(rrno);
        let xml = write_response(Operation::GetCivilComplaintList, |w| {
            w.leaf(el::RESULT_CNT, &found.len().to_string());
            w.start(el::MNWN_LIST);
            for c in &found {
                write_complaint(w, c, false);
            }
            w.end(el::MNWN_LIST);
        });
        (StatusCode::OK, xml)
    }

    fn detail(&self, p: &Element) -> Answer {
        let Some(no) = p.child_text(el::MNWN_NO) else {
            return client_fault("민원번호가 없습니다.", code::INVALID_PARAM);
        };
        match self.store.by_number(no) {
            Some(c) => (
                StatusCode::OK,
                write_response(Operation::GetCivilComplaintDetail, |w| {
                    write_complaint(w, c, true)
                }),
            ),
            None => client_fault("해당 민원이 존재하지 않습니다.", code::NOT_FOUND),
        }
    }

    fn search(&self, p: &Element) -> Answer {
        let query = p.child_text(el::SRCH_WRD).unwrap_or("");
        let rows = match p.child_text(el::MAX_ROW).map(str::parse::<usize>) {
            None => 10,
            Some(Ok(n)) if n <= 100 => n,
            Some(_) => return client_fault("maxRow 범위 오류(0~100)", code::INVALID_PARAM),
        };
        let (hits, total) = self.kb.search(query, p.child_text(el::CLSF_NM), rows);
        let xml = write_response(Operation::SearchKnowledge, |w: &mut XmlWriter| {
            w.leaf(el::TOT_CNT, &total.to_string());
            w.start(el::KNWL_LIST);
            for h in &hits {
                let e = h.entry;
                w.start(el::KNWL_INFO)
                    .leaf(el::KNWL_ID, &e.id)
                    .leaf(el::CLSF_NM, &e.category)
                    .leaf(el::QSTN_CN, &e.question)
                    .leaf(el::ANS_CN, &e.answer)
                    .leaf(el::DEPT_NM, &e.department)
                    .leaf(el::TELNO, &e.contact)
                    .leaf(el::SCR, &h.score.to_string())
                    .end(el::KNWL_INFO);
            }
            w.end(el::KNWL_LIST);
        });
        (StatusCode::OK, xml)
    }
}
