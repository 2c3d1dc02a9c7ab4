//! End-to-end, part of `e2e_privacy`: what `GetCase` writes to the access trail.

use crate::support::{Demo, authed, case_request, query_full};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;

/// `GetCase` records the citizen of the case the back-end returned, and before a case is seen
/// (denied, source failed, no such case) a fixed masked form: a reference is caller text, and
/// a caller may type an RRN into it. No raw RRN ever reaches the trail.
#[tokio::test]
async fn get_case_records_the_cases_citizen_and_never_the_callers_text() {
    use crate::support::trail::{
        db_bytes, db_readable_text, has_rrn_shape, query_trail, readable_fields,
    };
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let rrn = citizen["rrn"].as_str().unwrap().to_string();
    let plate = citizen["vehicle_numbers"][0].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    // A real case carrying the citizen's plate: its record names that plate's subject.
    let fine = o.cases.iter().find(|c| c.source == "traffic").unwrap();
    let shown = client
        .get_case(authed(
            case_request(&fine.case_ref),
            &demo.token("counselor"),
        ))
        .await
        .unwrap();
    // References with an RRN typed in, in both forms: no such case, refused by the source, or
    // (for the admin) by the policy.
    let digits = rrn.replace('-', "");
    let typed = [
        format!("tax:{rrn}"),
        format!("tax:{digits}"),
        "tax:900101-1234567".to_string(),
        format!("traffic:{digits} x"),
        format!("saeol:{rrn}"),
    ];
    for case_ref in &typed {
        assert!(
            client
                .get_case(authed(case_request(case_ref), &demo.token("counselor")))
                .await
                .is_err()
        );
    }
    let e = client
        .get_case(authed(case_request(&typed[0]), &demo.token("admin")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);

    let all = query_trail(&demo, pb::QueryAccessRecordsRequest::default()).await;
    let cases: Vec<&pb::AccessRecord> = all.iter().filter(|r| r.operation == "GetCase").collect();
    assert_eq!(
        cases.len(),
        1 + typed.len() + 1,
        "every GetCase that got past validation"
    );
    let ok = cases[0];
    assert_eq!(ok.outcome, pb::AccessOutcome::Allowed as i32);
    let q = pb::QueryAccessRecordsRequest {
        subject_vehicle_number: plate.clone(),
        ..Default::default()
    };
    let by_plate = query_trail(&demo, q).await;
    assert!(
        by_plate.iter().any(|r| r.audit_id == ok.audit_id),
        "found by the case's plate"
    );
    assert!(ok.subjects.iter().all(|s| s.kind != "case_ref"));
    assert_eq!(shown.into_inner().case_ref, fine.case_ref);
    for r in &cases[1..] {
        assert_ne!(r.outcome, pb::AccessOutcome::Allowed as i32);
        assert_eq!(r.subjects.len(), 1);
        assert_eq!(r.subjects[0].kind, "case_ref");
        assert_eq!(r.subjects[0].masked, format!("{}:****", r.sources[0]));
    }
    // Nowhere in the trail, as served or as stored, is anything shaped like an RRN.
    for r in &all {
        for text in readable_fields(r) {
            assert!(
                !has_rrn_shape(&text),
                "{} shows an RRN-shaped text",
                r.operation
            );
        }
    }
    for text in db_readable_text(&demo) {
        assert!(
            !has_rrn_shape(&text),
            "the audit database holds an RRN-shaped text"
        );
    }
    let bytes = db_bytes(&demo);
    for raw in [
        rrn.as_str(),
        digits.as_str(),
        "900101-1234567",
        "9001011234567",
    ] {
        assert!(!bytes.windows(raw.len()).any(|w| w == raw.as_bytes()));
    }
}
