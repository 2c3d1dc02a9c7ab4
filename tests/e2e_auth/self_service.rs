//! End-to-end, part of `e2e_auth`: verified citizens as principals — `SelfService` for a
//! citizen's own web/app, and for the chatbot presenting the citizen's assertion.

use crate::support::{Demo, authed, query_rrn};
use minwon_proto::v1 as pb;
use pb::audit_service_client::AuditServiceClient;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use pb::self_service_client::SelfServiceClient;

fn citizen(demo: &Demo, i: usize) -> (String, String) {
    let c = &demo.citizens["citizens"][i];
    (
        c["rrn"].as_str().unwrap().to_string(),
        c["citizen_token"]
            .as_str()
            .expect("the first five demo citizens carry a citizen_token")
            .to_string(),
    )
}

/// The trail's records naming `rrn`, as an auditor reads them.
async fn records_about(demo: &Demo, rrn: &str) -> Vec<pb::AccessRecord> {
    let mut audit = AuditServiceClient::new(demo.channel().await);
    let mut stream = audit
        .query_access_records(authed(
            pb::QueryAccessRecordsRequest {
                subject_rrn: rrn.to_string(),
                ..Default::default()
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    let mut out = vec![];
    while let Some(r) = stream.message().await.unwrap() {
        out.push(r);
    }
    out
}

#[tokio::test]
async fn a_citizen_sees_their_own_cases_masked_and_who_looked() {
    let demo = Demo::start();
    let (rrn_a, token_a) = citizen(&demo, 0);
    let (rrn_b, _) = citizen(&demo, 1);
    let ch = demo.channel().await;
    let mut cases = CitizenCaseServiceClient::new(ch.clone());
    let mut me = SelfServiceClient::new(ch);
    // A counselor looks at A, then at B.
    for rrn in [&rrn_a, &rrn_b] {
        cases
            .get_citizen_overview(authed(query_rrn(rrn), &demo.token("counselor")))
            .await
            .unwrap();
    }
    // A's own overview: the subject comes from the assertion; personal fields masked.
    let o = me
        .get_my_overview(authed(pb::GetMyOverviewRequest::default(), &token_a))
        .await
        .expect("a verified citizen's own overview")
        .into_inner();
    assert!(!o.cases.is_empty());
    assert!(!o.audit_id.is_empty());
    // All a citizen sees of a case is this overview: its attributes come with their labels.
    let with_attributes: Vec<_> = o
        .cases
        .iter()
        .filter(|c| !c.attributes.is_empty())
        .collect();
    assert!(!with_attributes.is_empty());
    for c in with_attributes {
        let mut keys: Vec<&String> = c.attributes.keys().collect();
        let mut labelled: Vec<&String> = c.attribute_labels.keys().collect();
        keys.sort();
        labelled.sort();
        assert_eq!(labelled, keys, "{}", c.case_ref);
    }
    let shown = format!("{:?}", o.cases);
    assert!(!shown.contains(&rrn_a), "no RRN in clear");
    let personal: Vec<_> = o.cases.iter().filter_map(|c| c.personal.clone()).collect();
    assert!(
        personal.iter().any(|p| p.name.contains('*')),
        "masked as on the phone channel"
    );
    // Who looked at A: the counselor (pseudonymously), A's own query, and this listing.
    let h = me
        .list_my_access_history(authed(pb::ListMyAccessHistoryRequest::default(), &token_a))
        .await
        .unwrap()
        .into_inner();
    let text = format!("{h:?}");
    assert!(
        !text.contains("counselor-01"),
        "no staff account names: {text}"
    );
    assert!(!text.contains(&rrn_a), "no RRN in the history");
    assert_eq!(
        h.entries[0].audit_id, h.audit_id,
        "the listing is itself recorded"
    );
    assert_eq!(h.entries[0].operation, "ListMyAccessHistory");
    let staff: Vec<_> = h.entries.iter().filter(|e| e.role == "counselor").collect();
    assert_eq!(staff.len(), 1, "only A's own look-ups, not B's: {text}");
    assert!(staff[0].staff_id.starts_with("staff-"), "{:?}", staff[0]);
    assert_eq!(staff[0].purpose_code, "citizen_inquiry");
    assert_eq!(staff[0].operation, "GetCitizenOverview");
    assert!(staff[0].time_kst.ends_with(" KST"));
    assert!(!staff[0].own_request);
    let own = h
        .entries
        .iter()
        .find(|e| e.operation == "GetMyOverview")
        .expect("A's own overview is listed");
    assert!(own.own_request && own.staff_id.is_empty() && own.role == "citizen");
    // The trail names A as the subject of A's own queries.
    let about_a = records_about(&demo, &rrn_a).await;
    assert!(
        about_a
            .iter()
            .any(|r| r.operation == "GetMyOverview" && r.role == "citizen"),
        "{about_a:?}"
    );
    // A citizen's token cannot look anyone up by keys — not even B.
    let e = cases
        .get_citizen_overview(authed(query_rrn(&rrn_b), &token_a))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    // Staff have no SelfService, even holding a citizen's assertion.
    let mut req = authed(
        pb::GetMyOverviewRequest::default(),
        &demo.token("counselor"),
    );
    req.metadata_mut()
        .insert("x-minwon-citizen-token", token_a.parse().unwrap());
    let e = me.get_my_overview(req).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
}

#[tokio::test]
async fn the_chatbot_acts_only_for_the_citizen_it_presents() {
    let demo = Demo::start();
    let (rrn, token) = citizen(&demo, 2);
    let mut me = SelfServiceClient::new(demo.channel().await);
    let with_citizen = |service_token: &str, assertion: &str| {
        let mut req = authed(pb::GetMyOverviewRequest::default(), service_token);
        req.metadata_mut()
            .insert("x-minwon-citizen-token", assertion.parse().unwrap());
        req
    };
    let o = me
        .get_my_overview(with_citizen(&demo.token("chatbot"), &token))
        .await
        .expect("the chatbot with the citizen's assertion")
        .into_inner();
    assert!(!o.cases.is_empty());
    for c in &o.cases {
        assert_eq!(
            c.personal.clone().unwrap_or_default(),
            pb::PersonalFields::default(),
            "no personal fields on the chatbot channel"
        );
    }
    // The record names both: the citizen as subject, the chatbot as account and channel.
    let rec = records_about(&demo, &rrn)
        .await
        .into_iter()
        .find(|r| r.operation == "GetMyOverview")
        .expect("recorded");
    assert_eq!(
        (
            rec.account.as_str(),
            rec.role.as_str(),
            rec.channel.as_str()
        ),
        ("chatbot-01", "chatbot", "chatbot")
    );
    assert_eq!(rec.purpose, pb::PurposeCode::SelfService as i32);
    // Without an assertion the chatbot gets nothing, and is told what to send.
    let e = me
        .get_my_overview(authed(
            pb::GetMyOverviewRequest::default(),
            &demo.token("chatbot"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    assert!(
        e.message().contains("x-minwon-citizen-token"),
        "{}",
        e.message()
    );
    // A staff token is not a citizen's assertion.
    let e = me
        .get_my_overview(with_citizen(
            &demo.token("chatbot"),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    // `minwon-hub token --citizen-rrn` mints an assertion the hub accepts.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
        .args(["token", "--citizen-rrn", &rrn, "--config"])
        .arg(demo.dir().join("demo-config.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let minted = String::from_utf8(out.stdout).unwrap().trim().to_string();
    me.get_my_overview(authed(pb::GetMyOverviewRequest::default(), &minted))
        .await
        .expect("a minted assertion");
}
