//! `CitizenCaseService`: the unified overview (unary and streamed) and single cases.

use super::case_filter::CaseFilter;
use super::{Hub, TraceCtx, status, subjects};
use crate::access::auth::Principal;
use crate::access::validate::{self, Purpose, ValidQuery};
use crate::answer::convert;
use crate::fanout::{self, SourceOutcome};
use futures::StreamExt;
use minwon_audit::{Outcome, Subject};
use minwon_connector_sdk::{CallContext, model::split_case_ref};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_server::CitizenCaseService;
use std::pin::Pin;
use std::sync::Arc;
use tokio::time::Instant;
use tonic::{Request, Response, Status};

/// Response header carrying the id of the access record a `GetCase` answer wrote.
pub const AUDIT_ID_HEADER: &str = "x-minwon-audit-id";

/// The service.
#[derive(Clone)]
pub struct CitizenApi {
    hub: Arc<Hub>,
}

impl CitizenApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        CitizenApi { hub }
    }
}

/// Everything decided before any back-end is called.
pub(super) struct Prepared {
    principal: Principal,
    query: ValidQuery,
    trace: TraceCtx,
    fanout_deadline: Instant,
    plan: fanout::Plan,
    /// Every key of the query, each its own data subject.
    subjects: Vec<Subject>,
    /// The language of human messages (`accept-language`).
    lang: super::Lang,
    /// Which cases leave, in what order (never what is called or recorded).
    filter: CaseFilter,
}

impl CitizenApi {
    async fn prepare(
        &self,
        req: &Request<pb::CitizenQuery>,
        operation: &str,
    ) -> Result<Prepared, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(req)?;
        let query = validate::citizen_query(req.get_ref(), &hub.registry.names())?;
        let filter = CaseFilter::parse(req.get_ref().filter.as_ref(), "filter")?;
        prepare_query(hub, principal, query, filter, req.metadata(), operation).await
    }
}

/// Decides a validated query for `principal`: refused outright (and recorded) when the policy
/// denies every source, otherwise the plan of calls, with denied sources reported DENIED one
/// by one. Shared by the case service and SelfService.
pub(super) async fn prepare_query(
    hub: &Hub,
    principal: Principal,
    query: ValidQuery,
    filter: CaseFilter,
    md: &tonic::metadata::MetadataMap,
    operation: &str,
) -> Result<Prepared, Status> {
    let trace = TraceCtx::from_metadata(md);
    let (deadline, budget) = hub.deadline_of(md);
    let subjects = hub.subject_key.subjects_for_keys(&query.keys);
    let decisions: Vec<_> = hub
        .registry
        .connectors
        .iter()
        .map(|r| {
            hub.policy
                .source_access(&principal, query.purpose.code, r.descriptor())
        })
        .collect();
    let refusal = (!decisions.is_empty() && decisions.iter().all(|d| !d.allowed))
        .then(|| decisions[0].reason.clone());
    if let Some(reason) = refusal {
        let draft = hub.draft(
            &principal,
            operation,
            subjects,
            vec![],
            vec![],
            &query.purpose,
            Outcome::Denied,
            &trace,
        );
        hub.record(draft).await?;
        return Err(status::denied(&reason));
    }
    let plan = fanout::plan(
        &hub.registry.connectors,
        &query.keys,
        &query.sources,
        &decisions,
    );
    Ok(Prepared {
        fanout_deadline: deadline - Hub::reserve(budget),
        principal,
        query,
        trace,
        plan,
        subjects,
        lang: super::Lang::of_metadata(md),
        filter,
    })
}

/// Calls the planned sources while the access record commits, and answers once both are done.
///
/// The access record is committed while the sources are called, not after: it names every
/// source called and every field the policy lets through in clear (an upper bound of what the
/// answer shows, as for the stream), and nothing is released until it is durable. The commit
/// then costs no latency, because the slowest source takes longer; and since the answer waits
/// for the sources anyway, the record may wait for others to share its commit
/// ([`Hub::record_while`]). If the audit store fails, the call fails at once and dropping the
/// fan-out aborts the source calls.
///
/// With `labelled`, each case carries the labels of its attributes (`Case.attribute_labels`):
/// a citizen's overview is all the citizen sees of a case. A counselor's leaves them out (its
/// screen opens a case with `GetCase`, which has them), so the call center's answers stay
/// small.
pub(super) async fn answer_overview(
    hub: &Hub,
    p: Prepared,
    operation: &str,
    labelled: bool,
) -> Result<pb::CitizenOverview, Status> {
    let draft = hub.draft(
        &p.principal,
        operation,
        p.subjects,
        p.plan.called_sources(),
        p.plan.clear_fields_allowed(),
        &p.query.purpose,
        Outcome::Allowed,
        &p.trace,
    );
    let fetch = fanout::run(
        p.plan.calls,
        p.query.keys,
        p.fanout_deadline,
        Some(p.trace.outgoing),
    )
    .collect::<Vec<SourceOutcome>>();
    let (receipt, mut outcomes) = hub.record_while(draft, fetch).await?;
    outcomes.extend(p.plan.settled);
    // Registry order, so answers look the same every time.
    let order = hub.registry.names();
    outcomes.sort_by_key(|o| {
        order
            .iter()
            .position(|n| *n == o.source)
            .unwrap_or(usize::MAX)
    });
    let sources = outcomes
        .iter()
        .map(|o| convert::source_status(o, hub.registry.department_of(&o.source), p.lang))
        .collect();
    let mut memo = convert::PerAnswer::default();
    let mut all: Vec<pb::Case> = Vec::with_capacity(outcomes.iter().map(|o| o.cases.len()).sum());
    for o in outcomes {
        for c in o.cases {
            let mut case = convert::case_with(c, &o.access, &mut memo);
            if labelled && let Some(source) = hub.registry.get(&o.source) {
                convert::label_attributes(&mut case, source.descriptor());
            }
            all.push(case);
        }
    }
    let (source_counts, status_counts) = super::case_filter::counts(&all);
    let total_cases = all.len().min(u32::MAX as usize) as u32;
    Ok(pb::CitizenOverview {
        cases: p.filter.apply(all),
        sources,
        audit_id: receipt.audit_id,
        source_counts,
        status_counts,
        total_cases,
    })
}

type SourceStream = Pin<Box<dyn futures::Stream<Item = Result<pb::SourceResult, Status>> + Send>>;

impl CitizenApi {
    async fn overview(
        &self,
        req: Request<pb::CitizenQuery>,
    ) -> Result<Response<pb::CitizenOverview>, Status> {
        let p = self.prepare(&req, "GetCitizenOverview").await?;
        Ok(Response::new(
            answer_overview(&self.hub, p, "GetCitizenOverview", false).await?,
        ))
    }

    async fn stream_overview(
        &self,
        req: Request<pb::CitizenQuery>,
    ) -> Result<Response<SourceStream>, Status> {
        let hub = self.hub.clone();
        let p = self.prepare(&req, "StreamCitizenOverview").await?;
        let called = p.plan.called_sources();
        // Results go out as they arrive, so the record is written first and covers every
        // source that will be called and every field that may be shown in clear.
        let may_clear = p.plan.clear_fields_allowed();
        let draft = hub.draft(
            &p.principal,
            "StreamCitizenOverview",
            p.subjects,
            called,
            may_clear,
            &p.query.purpose,
            Outcome::Allowed,
            &p.trace,
        );
        let audit_id = hub.record(draft).await?.audit_id;
        let lang = p.lang;
        let filter = p.filter;
        let settled = futures::stream::iter(p.plan.settled);
        let live = fanout::run(
            p.plan.calls,
            p.query.keys,
            p.fanout_deadline,
            Some(p.trace.outgoing),
        );
        let stream = settled.chain(live).map(move |o| {
            let status = convert::source_status(&o, hub.registry.department_of(&o.source), lang);
            let mut memo = convert::PerAnswer::default();
            // Each message filtered and ordered on its own: a stream has no "all cases".
            let cases = o
                .cases
                .into_iter()
                .map(|c| convert::case_with(c, &o.access, &mut memo))
                .collect();
            Ok(pb::SourceResult {
                status: Some(status),
                cases: filter.apply(cases),
                audit_id: audit_id.clone(),
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    /// One case; its access record's id is in the `x-minwon-audit-id` response header.
    async fn case(&self, req: Request<pb::GetCaseRequest>) -> Result<Response<pb::Case>, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(&req)?;
        let r = req.get_ref();
        if r.case_ref.len() > 200 {
            return Err(status::invalid("case_ref", "at most 200 characters"));
        }
        let (source, native_id) = split_case_ref(&r.case_ref)
            .ok_or_else(|| status::invalid("case_ref", "must be `<source>:<native id>`"))?;
        let purpose: Purpose = validate::purpose(r.purpose.as_ref())?;
        let target = hub.registry.get(source).ok_or_else(|| {
            status::invalid(
                "case_ref",
                &format!(
                    "unknown source; known sources: {}",
                    hub.registry.names().join(", ")
                ),
            )
        })?;
        let trace = TraceCtx::from_metadata(req.metadata());
        // Until the case is seen its citizen is unknown: the reference names the subject, by
        // HMAC and a fixed masked form (the reference is caller text, possibly an RRN).
        let ref_subject = subjects::of_case_ref(&hub.subject_key, source, &r.case_ref);
        let sources = vec![source.to_string()];
        let access = hub
            .policy
            .source_access(&principal, purpose.code, target.descriptor());
        if !access.allowed {
            let d = hub.draft(
                &principal,
                "GetCase",
                vec![ref_subject],
                sources,
                vec![],
                &purpose,
                Outcome::Denied,
                &trace,
            );
            hub.record(d).await?;
            return Err(status::denied(&access.reason));
        }
        let (deadline, budget) = hub.deadline_of(req.metadata());
        let connector = &target.connector;
        let outgoing = &trace.outgoing;
        let result = target
            .guard
            .call(deadline - Hub::reserve(budget), |d| async move {
                let ctx = CallContext {
                    deadline: d,
                    traceparent: Some(outgoing.clone()),
                };
                connector.get_case(native_id, &ctx).await
            })
            .await;
        match result {
            Ok(case) => {
                // The citizen the case belongs to, as the back-end returned it; none when
                // the case carries no key.
                let case_subjects = subjects::of_case(&hub.subject_key, &case.personal);
                let mut out = convert::case(case, &access);
                convert::label_attributes(&mut out, target.descriptor());
                let clear = out
                    .personal
                    .as_ref()
                    .map(|p| p.clear_fields.clone())
                    .unwrap_or_default();
                let d = hub.draft(
                    &principal,
                    "GetCase",
                    case_subjects,
                    sources,
                    clear,
                    &purpose,
                    Outcome::Allowed,
                    &trace,
                );
                let audit_id = hub.record(d).await?.audit_id;
                // `Case` has no audit id field: the record's id travels as a response header, so
                // a screen can show it like an overview's.
                let mut resp = Response::new(out);
                if let Ok(v) = audit_id.parse() {
                    resp.metadata_mut().insert(AUDIT_ID_HEADER, v);
                }
                Ok(resp)
            }
            Err(e) => {
                let d = hub.draft(
                    &principal,
                    "GetCase",
                    vec![ref_subject],
                    sources,
                    vec![],
                    &purpose,
                    Outcome::Failed,
                    &trace,
                );
                hub.record(d).await?;
                Err(status::from_guard(source, &e))
            }
        }
    }
}

#[tonic::async_trait]
impl CitizenCaseService for CitizenApi {
    type StreamCitizenOverviewStream = SourceStream;

    async fn get_citizen_overview(
        &self,
        req: Request<pb::CitizenQuery>,
    ) -> Result<Response<pb::CitizenOverview>, Status> {
        self.overview(req).await
    }

    async fn stream_citizen_overview(
        &self,
        req: Request<pb::CitizenQuery>,
    ) -> Result<Response<Self::StreamCitizenOverviewStream>, Status> {
        self.stream_overview(req).await
    }

    async fn get_case(
        &self,
        req: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.case(req).await
    }
}
