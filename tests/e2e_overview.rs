//! End-to-end: the real hub binary, real simulators, real gRPC — the citizen-case API.

#[path = "e2e_overview/filters.rs"]
mod filters;
mod support;

use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use pb::connector_admin_service_client::ConnectorAdminServiceClient;
use pb::knowledge_service_client::KnowledgeServiceClient;
use support::{Demo, authed, personal_values, query_full, state_of};

#[tokio::test]
async fn overview_has_cases_from_every_source_masked_and_audited() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let before = demo.access_record_count();
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .expect("overview")
        .into_inner();
    for source in demo.all_sources() {
        assert_eq!(
            state_of(&o, &source),
            pb::SourceState::Ok,
            "{source}: {:?}",
            o.sources
        );
        assert!(
            o.cases.iter().any(|c| c.source == source),
            "cases from {source}"
        );
    }
    assert!(!o.audit_id.is_empty());
    assert_eq!(
        demo.access_record_count(),
        before + 1,
        "one access record per call"
    );
    // A counselor sees masked personal fields only.
    let text = format!("{o:?}");
    for v in personal_values(&citizen) {
        assert!(
            !text.contains(&v),
            "personal value leaked in clear to a counselor"
        );
    }
    let complaint = o.cases.iter().find(|c| c.source == "saeol").unwrap();
    let p = complaint.personal.as_ref().unwrap();
    assert!(p.name.contains('*') && p.clear_fields.is_empty());
    // The raw RRN never reaches the audit database either.
    let db = std::fs::read(demo.audit_db()).unwrap();
    let rrn = citizen["rrn"].as_str().unwrap();
    assert!(!db.windows(rrn.len()).any(|w| w == rrn.as_bytes()));
}

#[tokio::test]
async fn stream_sends_one_message_per_source_each_with_the_audit_id() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let mut stream = client
        .stream_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .expect("stream")
        .into_inner();
    let mut seen = Vec::new();
    while let Some(msg) = stream.message().await.expect("message") {
        assert!(!msg.audit_id.is_empty());
        let st = msg.status.unwrap();
        assert_eq!(
            pb::SourceState::try_from(st.state).unwrap(),
            pb::SourceState::Ok,
            "{st:?}"
        );
        assert!(!msg.cases.is_empty());
        seen.push(st.source);
    }
    seen.sort();
    let mut all = demo.all_sources();
    all.sort();
    assert_eq!(seen, all);
    assert_eq!(demo.access_record_count(), 1);
}

#[tokio::test]
async fn get_case_returns_a_case_from_the_overview() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let token = demo.token("counselor");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &token))
        .await
        .unwrap()
        .into_inner();
    let mut case_audit_ids = std::collections::HashSet::new();
    for source in demo.all_sources() {
        let listed = o.cases.iter().find(|c| c.source == source).unwrap();
        let answer = client
            .get_case(authed(support::case_request(&listed.case_ref), &token))
            .await
            .expect("get case");
        // The access record of this answer is named in a response header.
        let audit_id = answer
            .metadata()
            .get("x-minwon-audit-id")
            .map(|v| v.to_str().unwrap().to_string());
        let audit_id = audit_id.expect("GetCase names its access record");
        assert!(!audit_id.is_empty() && audit_id != o.audit_id);
        assert!(case_audit_ids.insert(audit_id), "one record per GetCase");
        let one = answer.into_inner();
        assert_eq!(one.case_ref, listed.case_ref);
        assert_eq!(one.status, listed.status);
    }
    let missing = support::case_request("tax:000000000000");
    let e = client.get_case(authed(missing, &token)).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);
    let bad = pb::GetCaseRequest {
        case_ref: "no-colon".into(),
        purpose: None,
    };
    assert_eq!(
        client
            .get_case(authed(bad, &token))
            .await
            .unwrap_err()
            .code(),
        tonic::Code::InvalidArgument
    );
    // Every look-up that reached a back-end is on the trail (overview + 2 finds + 1 miss).
    assert_eq!(
        demo.access_record_count(),
        1 + demo.all_sources().len() as i64 + 1
    );
}

#[tokio::test]
async fn knowledge_search_finds_words_inside_phrases() {
    let demo = Demo::start();
    let mut client = KnowledgeServiceClient::new(demo.channel().await);
    let token = demo.token("chatbot");
    for (q, expect) in [("여권", "여권 재발급"), ("자동차세", "자동차세 연납")] {
        let r = client
            .search_knowledge(authed(
                pb::SearchKnowledgeRequest {
                    query: q.into(),
                    category: String::new(),
                    limit: 10,
                },
                &token,
            ))
            .await
            .expect("search")
            .into_inner();
        assert!(r.total_matches >= 1);
        assert!(
            r.entries.iter().any(|e| e.question.contains(expect)),
            "{q} finds an entry about {expect}: {:?}",
            r.entries.iter().map(|e| &e.question).collect::<Vec<_>>()
        );
        assert!(
            r.entries.windows(2).all(|w| w[0].score >= w[1].score),
            "ranked by relevance"
        );
    }
    // Bus routes come from the traffic department's own data, an exact route number first.
    let r = client
        .search_knowledge(authed(
            pb::SearchKnowledgeRequest {
                query: "60-3".into(),
                category: String::new(),
                limit: 5,
            },
            &token,
        ))
        .await
        .expect("bus search")
        .into_inner();
    let first = r.entries.first().expect("a route");
    assert_eq!(first.category, "버스노선");
    assert!(first.question.starts_with("60-3번"), "{}", first.question);
    assert!(first.answer.contains("첫차") && first.answer.contains("막차"));
    // A failing traffic back-end leaves the consultation base answering.
    minwon_connector_sdk::sim::set_fault(
        &demo.sim_url("traffic"),
        minwon_connector_sdk::sim::Fault {
            mode: minwon_connector_sdk::sim::FaultMode::Http500,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    let r = client
        .search_knowledge(authed(
            pb::SearchKnowledgeRequest {
                query: "여권".into(),
                category: String::new(),
                limit: 5,
            },
            &token,
        ))
        .await
        .expect("knowledge survives a failing bus service")
        .into_inner();
    assert!(!r.entries.is_empty());
    // Public: no access record.
    assert_eq!(demo.access_record_count(), 0);
    let e = client
        .search_knowledge(authed(pb::SearchKnowledgeRequest::default(), &token))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
}

#[tokio::test]
async fn list_connectors_reports_health_for_admins_only() {
    let demo = Demo::start();
    let mut client = ConnectorAdminServiceClient::new(demo.channel().await);
    let r = client
        .list_connectors(authed(
            pb::ListConnectorsRequest::default(),
            &demo.token("admin"),
        ))
        .await
        .expect("list")
        .into_inner();
    let names: Vec<&str> = r.connectors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        demo.all_sources()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    for c in &r.connectors {
        assert_eq!(c.health, pb::ConnectorHealth::Up as i32, "{c:?}");
        assert!(
            !c.department.is_empty() && !c.kind.is_empty() && c.base_url.starts_with("http://")
        );
    }
    let e = client
        .list_connectors(authed(
            pb::ListConnectorsRequest::default(),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
}

// Multi-threaded: `terminate` blocks its thread while the client's connection closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_shutdown_keeps_every_record() {
    let mut demo = Demo::start();
    let citizen = demo.full_citizen();
    {
        let mut client = CitizenCaseServiceClient::new(demo.channel().await);
        for _ in 0..5 {
            client
                .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
                .await
                .unwrap();
        }
    }
    assert!(
        demo.terminate(),
        "SIGTERM ends the demo cleanly; log:\n{}",
        demo.log()
    );
    assert_eq!(demo.access_record_count(), 5);
}

/// An overview keyed by several people's keys shows each one's cases, so its one record names
/// every key as its own subject, and the auditor finds it by any of them.
#[tokio::test]
async fn an_overview_by_three_peoples_keys_names_all_three_and_each_key_finds_it() {
    use minwon_connector_sdk::{Rrn, VehicleNumber, WaterCustomerNo};
    use support::trail::query_trail;
    let demo = Demo::start();
    let people = demo.citizens["citizens"].as_array().unwrap().clone();
    let has = |c: &serde_json::Value, s: &str| c["sources"].as_array().unwrap().contains(&s.into());
    let a = &people[0];
    let b = people
        .iter()
        .find(|c| c["rrn"] != a["rrn"] && (has(c, "traffic") || has(c, "parking")))
        .expect("a citizen with vehicle cases");
    let c = people
        .iter()
        .find(|c| c["rrn"] != a["rrn"] && c["rrn"] != b["rrn"] && has(c, "water"))
        .expect("a citizen with water bills");
    let (a_rrn, b_plate, c_water) = (
        a["rrn"].as_str().unwrap(),
        b["vehicle_numbers"][0].as_str().unwrap(),
        c["water_customer_no"].as_str().unwrap(),
    );
    let token = demo.token("counselor");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let alone = client
        .get_citizen_overview(authed(support::query_rrn(a_rrn), &token))
        .await
        .unwrap()
        .into_inner();
    let mut q = support::query_rrn(a_rrn);
    let keys = q.citizen.as_mut().unwrap();
    keys.vehicle_numbers = vec![b_plate.to_string()];
    keys.water_customer_no = c_water.to_string();
    let o = client
        .get_citizen_overview(authed(q, &token))
        .await
        .unwrap()
        .into_inner();
    // B's and C's cases are in the answer, not only A's.
    let count = |o: &pb::CitizenOverview, sources: &[&str]| {
        o.cases
            .iter()
            .filter(|x| sources.contains(&x.source.as_str()))
            .count()
    };
    assert!(count(&o, &["traffic", "parking"]) > count(&alone, &["traffic", "parking"]));
    assert!(count(&o, &["water"]) > count(&alone, &["water"]));

    let by = |field: &str, value: &str| {
        let mut q = pb::QueryAccessRecordsRequest::default();
        match field {
            "rrn" => q.subject_rrn = value.into(),
            "plate" => q.subject_vehicle_number = value.into(),
            _ => q.subject_water_customer_no = value.into(),
        }
        q
    };
    let overviews = |found: &[pb::AccessRecord]| -> Vec<String> {
        found
            .iter()
            .filter(|r| r.operation == "GetCitizenOverview")
            .map(|r| r.audit_id.clone())
            .collect()
    };
    let by_a = query_trail(&demo, by("rrn", a_rrn)).await;
    assert_eq!(
        overviews(&by_a),
        vec![alone.audit_id.clone(), o.audit_id.clone()]
    );
    let r = by_a.iter().find(|r| r.audit_id == o.audit_id).unwrap();
    let kinds: Vec<&str> = r.subjects.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["rrn", "vehicle_number", "water_customer_no"]);
    let masked: Vec<String> = r.subjects.iter().map(|s| s.masked.clone()).collect();
    assert_eq!(
        masked,
        [
            Rrn::parse(a_rrn).unwrap().masked(),
            VehicleNumber::parse(b_plate).unwrap().masked(),
            WaterCustomerNo::parse(c_water).unwrap().masked(),
        ]
    );
    // Old clients still read the first subject in the single-subject fields.
    assert_eq!(r.subject_hmac, r.subjects[0].hmac);
    assert_eq!(r.subject_masked, r.subjects[0].masked);
    for (field, value) in [("plate", b_plate), ("water", c_water)] {
        let found = query_trail(&demo, by(field, value)).await;
        assert_eq!(overviews(&found), vec![o.audit_id.clone()], "by {field}");
        // The auditor's own look names the key searched for, and is found by it.
        let own = found.last().unwrap();
        assert_eq!(own.operation, "QueryAccessRecords");
        assert_eq!(own.subjects.len(), 1);
        assert!(r.subjects.iter().any(|s| s.hmac == own.subjects[0].hmac));
    }
    // A malformed key is refused, naming the field and not the value.
    let mut audit = pb::audit_service_client::AuditServiceClient::new(demo.channel().await);
    let e = audit
        .query_access_records(authed(by("plate", "99XYZ999"), &demo.token("auditor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(
        e.message().starts_with("subject_vehicle_number"),
        "{}",
        e.message()
    );
    assert!(!e.message().contains("99XYZ999"));
}
