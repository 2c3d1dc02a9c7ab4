//! `SelfService`: a verified citizen's own cases and their access history (PIPA art. 35, the
//! right of access; Estonia's data tracker).
//!
//! The data subject comes **only** from the citizen's verified assertion — the bearer token of
//! a citizen-facing web/app, or `x-minwon-citizen-token` beside the chatbot's or SMS gateway's
//! own token — never from the request, so no caller can name another person. Every call is an
//! access record naming the citizen as subject and the caller (citizen, chatbot, SMS) as the
//! account and channel it came through.

use super::citizen::{answer_overview, prepare_query};
use super::{Hub, TraceCtx, status};
use crate::access::auth::{Principal, Role, VerifiedCitizen};
use crate::access::validate::{self, Purpose, PurposeCode, ValidQuery};
use chrono::{DateTime, Duration as Days, Utc};
use minwon_audit::{AccessRecord, Outcome, RecordFilter};
use minwon_connector_sdk::CitizenKeys;
use minwon_proto::v1 as pb;
use pb::self_service_server::SelfService;
use std::collections::VecDeque;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Default and largest number of history entries.
const DEFAULT_ENTRIES: u32 = 100;
const MAX_ENTRIES: u32 = 1000;
/// Most records one listing reads (a citizen has a few dozen a year; this bounds a scan).
const MAX_SCANNED: usize = 20_000;
/// The operations that are the citizen's own requests.
const OWN_OPERATIONS: [&str; 2] = ["GetMyOverview", "ListMyAccessHistory"];

/// The service.
#[derive(Clone)]
pub struct SelfApi {
    hub: Arc<Hub>,
}

impl SelfApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        SelfApi { hub }
    }
}

/// The verified citizen a call is for, or why there is none.
fn citizen_of(p: &Principal) -> Result<&VerifiedCitizen, Status> {
    match (p.role, &p.citizen) {
        (Role::Citizen | Role::Chatbot | Role::Sms, Some(c)) => Ok(c),
        (Role::Chatbot | Role::Sms, None) => Err(status::denied(
            "present the citizen's verified assertion in `x-minwon-citizen-token`",
        )),
        _ => Err(status::denied(
            "SelfService is for verified citizens and the chatbot and SMS channels acting for one",
        )),
    }
}

fn self_service_purpose() -> Purpose {
    Purpose {
        code: PurposeCode::SelfService,
        note: String::new(),
    }
}

/// The time in Korea, as a person reads it.
fn kst(t: DateTime<Utc>) -> String {
    let seoul = minwon_connector_sdk::dates::kst();
    t.with_timezone(&seoul)
        .format("%Y-%m-%d %H:%M:%S KST")
        .to_string()
}

fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn time_of(
    field: &str,
    t: &Option<prost_types::Timestamp>,
) -> Result<Option<DateTime<Utc>>, Status> {
    t.as_ref()
        .map(|ts| {
            DateTime::from_timestamp(ts.seconds, ts.nanos.max(0) as u32)
                .ok_or_else(|| status::invalid(field, "not a representable time"))
        })
        .transpose()
}

impl SelfApi {
    /// One history entry as the citizen may see it: the staff account only as a stable
    /// pseudonym under the hub's subject key.
    fn entry(&self, r: &AccessRecord) -> pb::AccessHistoryEntry {
        let d = &r.draft;
        let own_request = OWN_OPERATIONS.contains(&d.operation.as_str());
        let staff = !own_request && !matches!(d.role.as_str(), "citizen" | "chatbot" | "sms");
        let staff_id = if staff {
            let h = self
                .hub
                .subject_key
                .subject_for("staff_account", &d.account, String::new())
                .hmac;
            format!("staff-{}", &h[..8.min(h.len())])
        } else {
            String::new()
        };
        pb::AccessHistoryEntry {
            time: Some(timestamp(d.time)),
            time_kst: kst(d.time),
            role: d.role.clone(),
            department: d.department.clone(),
            staff_id,
            purpose_code: d.purpose_code.clone(),
            purpose_note: d.purpose_note.clone(),
            sources: d.sources.clone(),
            outcome: d.outcome.as_str().to_string(),
            operation: d.operation.clone(),
            channel: d.channel.clone(),
            own_request,
            audit_id: r.audit_id.clone(),
        }
    }

    async fn history(
        &self,
        req: Request<pb::ListMyAccessHistoryRequest>,
    ) -> Result<Response<pb::ListMyAccessHistoryResponse>, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(&req)?;
        let citizen = citizen_of(&principal)?.clone();
        let r = req.get_ref();
        let limit = match r.limit {
            0 => DEFAULT_ENTRIES,
            l if l <= MAX_ENTRIES => l,
            _ => return Err(status::invalid("limit", "1 to 1000 (0 means 100)")),
        } as usize;
        let to = time_of("to", &r.to)?;
        let from = time_of("from", &r.from)?
            .or_else(|| Some(to.unwrap_or_else(Utc::now) - Days::days(365)));
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(status::invalid("from", "must be before to"));
        }
        let subject = hub.subject_key.subject_for_rrn(&citizen.rrn);
        // The listing is itself an access to the citizen's data: recorded first.
        let trace = TraceCtx::from_metadata(req.metadata());
        let draft = hub.draft(
            &principal,
            "ListMyAccessHistory",
            vec![subject.clone()],
            vec![],
            vec![],
            &self_service_purpose(),
            Outcome::Allowed,
            &trace,
        );
        let receipt = hub.record(draft).await?;
        // Oldest first from the store; keep the newest `limit`.
        let store = hub.audit.store();
        let mut newest: VecDeque<AccessRecord> = VecDeque::with_capacity(limit + 1);
        let mut truncated = false;
        let mut filter = RecordFilter {
            from,
            to,
            subject_hmacs: vec![subject.hmac],
            limit: 1000,
            ..RecordFilter::default()
        };
        let mut scanned = 0;
        loop {
            let page = store
                .query(&filter)
                .await
                .map_err(|_| status::audit_unavailable())?;
            let full = page.len() == filter.limit;
            scanned += page.len();
            for rec in page {
                filter.after_sequence = rec.sequence;
                newest.push_back(rec);
                if newest.len() > limit {
                    newest.pop_front();
                    truncated = true;
                }
            }
            if !full || scanned >= MAX_SCANNED {
                truncated |= full;
                break;
            }
        }
        let entries = newest.iter().rev().map(|r| self.entry(r)).collect();
        Ok(Response::new(pb::ListMyAccessHistoryResponse {
            entries,
            truncated,
            audit_id: receipt.audit_id,
        }))
    }

    async fn overview(
        &self,
        req: Request<pb::GetMyOverviewRequest>,
    ) -> Result<Response<pb::CitizenOverview>, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(&req)?;
        let citizen = citizen_of(&principal)?;
        let query = ValidQuery {
            keys: CitizenKeys {
                rrn: Some(citizen.rrn.clone()),
                ..CitizenKeys::default()
            },
            purpose: self_service_purpose(),
            sources: validate::sources(&req.get_ref().sources, &hub.registry.names())?,
        };
        let filter =
            super::case_filter::CaseFilter::parse(req.get_ref().filter.as_ref(), "filter")?;
        let p = prepare_query(
            hub,
            principal,
            query,
            filter,
            req.metadata(),
            "GetMyOverview",
        )
        .await?;
        Ok(Response::new(
            answer_overview(hub, p, "GetMyOverview", true).await?,
        ))
    }
}

#[tonic::async_trait]
impl SelfService for SelfApi {
    async fn get_my_overview(
        &self,
        req: Request<pb::GetMyOverviewRequest>,
    ) -> Result<Response<pb::CitizenOverview>, Status> {
        self.overview(req).await
    }

    async fn list_my_access_history(
        &self,
        req: Request<pb::ListMyAccessHistoryRequest>,
    ) -> Result<Response<pb::ListMyAccessHistoryResponse>, Status> {
        self.history(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_time_is_nine_hours_ahead() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(kst(t), "2026-12-02 00:30:00 KST");
    }

    #[test]
    fn only_citizens_and_self_service_channels_with_an_assertion_pass() {
        let rrn = minwon_connector_sdk::Rrn::parse("900101-1234567").unwrap();
        let citizen = VerifiedCitizen {
            rrn,
            methods: vec!["pass".into()],
        };
        let mk = |role, c: Option<VerifiedCitizen>| Principal {
            account: "a".into(),
            role,
            department: None,
            channel: crate::access::auth::Channel::Chatbot,
            client_address: String::new(),
            citizen: c,
        };
        assert!(citizen_of(&mk(Role::Citizen, Some(citizen.clone()))).is_ok());
        assert!(citizen_of(&mk(Role::Chatbot, Some(citizen.clone()))).is_ok());
        let e = citizen_of(&mk(Role::Chatbot, None)).unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied);
        assert!(e.message().contains("x-minwon-citizen-token"));
        let e = citizen_of(&mk(Role::Counselor, Some(citizen))).unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied);
    }
}
