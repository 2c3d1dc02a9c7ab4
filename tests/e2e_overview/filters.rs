//! End-to-end, part of `e2e_overview`: the filters and counts a screen asks for — applied to
//! what leaves, never to what is called or recorded.

use crate::support::{Demo, authed, query_full};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;

#[tokio::test]
async fn unpaid_and_overdue_first_with_counts_and_the_same_record() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let token = demo.token("counselor");
    let all = client
        .get_citizen_overview(authed(query_full(&citizen), &token))
        .await
        .unwrap()
        .into_inner();
    let mut q = query_full(&citizen);
    q.filter = Some(pb::CaseFilter {
        statuses: vec![
            pb::CaseStatus::Unpaid as i32,
            pb::CaseStatus::Overdue as i32,
        ],
        order: pb::CaseOrder::DueDate as i32,
        ..Default::default()
    });
    let owed = client
        .get_citizen_overview(authed(q, &token))
        .await
        .unwrap()
        .into_inner();
    // Only what is owed, soonest due first.
    assert!(!owed.cases.is_empty(), "the demo citizen owes something");
    assert!(
        owed.cases
            .iter()
            .all(|c| c.status == pb::CaseStatus::Unpaid as i32
                || c.status == pb::CaseStatus::Overdue as i32)
    );
    let dues: Vec<&str> = owed.cases.iter().map(|c| c.due_date.as_str()).collect();
    let mut sorted = dues.clone();
    sorted.sort_by_key(|d| (d.is_empty(), d.to_string()));
    assert_eq!(dues, sorted, "soonest due date first");
    let expected = all
        .cases
        .iter()
        .filter(|c| {
            c.status == pb::CaseStatus::Unpaid as i32 || c.status == pb::CaseStatus::Overdue as i32
        })
        .count();
    assert_eq!(owed.cases.len(), expected);
    // Counts are over everything the sources returned, the same with or without a filter.
    assert_eq!(owed.total_cases as usize, all.cases.len());
    assert_eq!(owed.source_counts, all.source_counts);
    assert_eq!(owed.status_counts, all.status_counts);
    let per_source: u32 = all.source_counts.iter().map(|s| s.cases).sum();
    assert_eq!(per_source as usize, all.cases.len());
    let unpaid = all
        .status_counts
        .iter()
        .find(|s| s.status == pb::CaseStatus::Unpaid as i32)
        .map_or(0, |s| s.cases);
    assert_eq!(
        unpaid as usize,
        all.cases
            .iter()
            .filter(|c| c.status == pb::CaseStatus::Unpaid as i32)
            .count()
    );
    // The filter changed what left, not what was called or recorded.
    assert_eq!(owed.sources.len(), all.sources.len());
    let conn = rusqlite::Connection::open_with_flags(
        demo.audit_db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let sources_of = |audit_id: &str| -> String {
        let seq: i64 = audit_id.split('-').next().unwrap().parse().unwrap();
        conn.query_row(
            "SELECT sources FROM access_record WHERE sequence = ?1",
            [seq],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(sources_of(&owed.audit_id), sources_of(&all.audit_id));
    // A bad filter names its field.
    let mut bad = query_full(&citizen);
    bad.filter = Some(pb::CaseFilter {
        kinds: vec![77],
        ..Default::default()
    });
    let e = client
        .get_citizen_overview(authed(bad, &token))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(
        e.message().starts_with("filter.kinds[0]"),
        "{}",
        e.message()
    );
}
