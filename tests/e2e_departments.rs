//! End-to-end: the seven departments through the hub (the seventh, `waste`, by configuration
//! only) — keys route to the right sources, and
//! each back-end's own quirks (welfare's expiring OAuth2 tokens, water's Retry-After,
//! parking's cursor pages) are absorbed behind the one API.

mod support;

use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use support::{Demo, authed, query_full, query_rrn, state_of};

#[tokio::test]
async fn a_vehicle_number_alone_asks_traffic_and_parking_and_skips_the_rest() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let plate = citizen["vehicle_numbers"][0].as_str().unwrap().to_string();
    let mut q = query_rrn("");
    q.citizen.as_mut().unwrap().vehicle_numbers = vec![plate];
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(q, &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    for s in ["traffic", "parking"] {
        assert_eq!(state_of(&o, s), pb::SourceState::Ok, "{s}");
    }
    for s in ["saeol", "tax", "welfare", "water"] {
        assert_eq!(state_of(&o, s), pb::SourceState::Skipped, "{s}");
    }
    // Parking pages by 3: a full-coverage plate has at least 7 tickets, so every one of the
    // 3+ pages arrived, and the answer is complete (not partial).
    let tickets = o.cases.iter().filter(|c| c.source == "parking").count();
    assert!(tickets >= 7, "{tickets} tickets");
    let parking = o.sources.iter().find(|s| s.source == "parking").unwrap();
    assert!(!parking.detail.contains("partial"), "{}", parking.detail);
    assert!(
        o.cases
            .iter()
            .all(|c| c.kind == pb::CaseKind::ParkingTicket as i32
                || c.kind == pb::CaseKind::TrafficFine as i32)
    );
}

#[tokio::test]
async fn welfare_refreshes_a_revoked_token_once_and_answers() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let welfare = demo.sim_url("welfare");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let call = |c: &mut CitizenCaseServiceClient<tonic::transport::Channel>| {
        let req = authed(query_full(&citizen), &demo.token("counselor"));
        let mut c = c.clone();
        async move { c.get_citizen_overview(req).await.unwrap().into_inner() }
    };
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok
    );
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok
    );
    let before = minwon_connector_welfare::sim::fetch_stats(&welfare)
        .await
        .unwrap();
    assert_eq!(before.tokens_issued, 1, "the token is cached across calls");
    minwon_connector_welfare::sim::revoke_tokens(&welfare)
        .await
        .unwrap();
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok,
        "401 → refresh → retry"
    );
    let after = minwon_connector_welfare::sim::fetch_stats(&welfare)
        .await
        .unwrap();
    assert_eq!(after.tokens_issued, 2, "exactly one refresh");
    assert_eq!(after.rejected_tokens, before.rejected_tokens + 1);
}

#[tokio::test]
async fn water_waits_out_a_short_retry_after_and_gives_up_on_a_long_one() {
    use minwon_connector_water::sim::{Throttle, set_throttle};
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let water = demo.sim_url("water");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    // One 429 with Retry-After: 1 s fits in the 2.5 s source deadline: waited, then OK.
    set_throttle(
        &water,
        Throttle {
            count: 1,
            retry_after_s: Some(1),
        },
    )
    .await
    .unwrap();
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "water"), pb::SourceState::Ok);
    // Retry-After: 30 s does not fit: the source is reported unavailable at once, the rest OK.
    set_throttle(
        &water,
        Throttle {
            count: 5,
            retry_after_s: Some(30),
        },
    )
    .await
    .unwrap();
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "water"), pb::SourceState::Unavailable);
    let w = o.sources.iter().find(|s| s.source == "water").unwrap();
    assert!(w.detail.contains("rate_limited"), "{}", w.detail);
    assert_eq!(state_of(&o, "tax"), pb::SourceState::Ok);
}

/// A knowledge search with `token`.
async fn search(demo: &Demo, query: &str, token: &str) -> pb::SearchKnowledgeResponse {
    let mut kb = pb::knowledge_service_client::KnowledgeServiceClient::new(demo.channel().await);
    kb.search_knowledge(authed(
        pb::SearchKnowledgeRequest {
            query: query.into(),
            category: String::new(),
            limit: 5,
        },
        token,
    ))
    .await
    .expect("search")
    .into_inner()
}

#[tokio::test]
async fn unanswered_searches_become_a_scrubbed_gap_report_that_admins_read_and_close() {
    let demo = Demo::start();
    let phone = "010-2345-6789";
    let q = format!("우주정거장   견학 {phone} 문의");
    search(&demo, &q, &demo.token("counselor")).await;
    search(&demo, &q, &demo.token("chatbot")).await;
    search(
        &demo,
        "우주정거장 견학 010-9876-5432 문의",
        &demo.token("chatbot"),
    )
    .await;
    let mut kb = pb::knowledge_service_client::KnowledgeServiceClient::new(demo.channel().await);
    let ask = |limit| pb::GetKnowledgeGapsRequest {
        from: None,
        to: None,
        limit,
    };
    for role in ["counselor", "chatbot", "auditor", "officer"] {
        let e = kb
            .get_knowledge_gaps(authed(ask(0), &demo.token(role)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied, "{role}");
    }
    let admin = demo.token("admin");
    let report = kb
        .get_knowledge_gaps(authed(ask(0), &admin))
        .await
        .unwrap()
        .into_inner();
    let gap = report
        .gaps
        .iter()
        .find(|g| g.normalized_query == "우주정거장 견학 [전화번호] 문의")
        .unwrap_or_else(|| panic!("the gap: {:?}", report.gaps));
    assert_eq!(gap.count, 3, "both phone numbers scrub to the same query");
    let mut channels: Vec<(&str, u64)> = gap
        .channels
        .iter()
        .map(|c| (c.channel.as_str(), c.count))
        .collect();
    channels.sort();
    assert_eq!(channels, vec![("chatbot", 2), ("phone", 1)]);
    assert!(gap.first_seen.is_some() && gap.last_seen.is_some());
    for g in &report.gaps {
        assert!(
            !g.normalized_query.contains("2345"),
            "{}",
            g.normalized_query
        );
    }
    // The store holds no phone number either.
    let db = std::fs::read(demo.audit_db()).unwrap();
    let wal = std::fs::read(demo.audit_db().with_extension("db-wal")).unwrap_or_default();
    let needle = phone.as_bytes();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    let bad = kb
        .get_knowledge_gaps(authed(ask(5000), &admin))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);

    // The content team's files.
    let out = demo.dir().join("gaps-report");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
        .args(["knowledge", "gaps", "--config"])
        .arg(demo.dir().join("demo-config.toml"))
        .args(["--from", "2020-01-01", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let html = std::fs::read_to_string(out.join("knowledge-gaps.html")).unwrap();
    assert!(html.contains("우주정거장 견학 [전화번호] 문의") && html.contains("lang=\"ko\""));
    let csv = std::fs::read_to_string(out.join("knowledge-gaps.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("우주정거장 견학 [전화번호] 문의,3,"));

    // Marked answered by an entry: it drops out.
    let mark = |query: &str, entry: &str| pb::MarkKnowledgeGapAnsweredRequest {
        normalized_query: query.into(),
        entry_id: entry.into(),
    };
    let e = kb
        .mark_knowledge_gap_answered(authed(
            mark(&gap.normalized_query, "KB-1"),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let e = kb
        .mark_knowledge_gap_answered(authed(mark("한 번도 없던 질문", "KB-1"), &admin))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);
    let e = kb
        .mark_knowledge_gap_answered(authed(mark(&gap.normalized_query, "KB 1; drop"), &admin))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    kb.mark_knowledge_gap_answered(authed(mark(&gap.normalized_query, "KB-1"), &admin))
        .await
        .unwrap();
    let after = kb
        .get_knowledge_gaps(authed(ask(0), &admin))
        .await
        .unwrap()
        .into_inner();
    assert!(
        after
            .gaps
            .iter()
            .all(|g| g.normalized_query != gap.normalized_query),
        "{:?}",
        after.gaps
    );
}

#[tokio::test]
async fn find_office_routes_an_address_for_staff_and_never_echoes_it() {
    let demo = Demo::start();
    let mut dir = pb::directory_service_client::DirectoryServiceClient::new(demo.channel().await);
    let find = |address: &str| pb::FindOfficeRequest {
        address: address.into(),
    };
    for role in ["counselor", "officer", "admin"] {
        let r = dir
            .find_office(authed(
                find("경기도 김포시 사우중로87번길 12"),
                &demo.token(role),
            ))
            .await
            .unwrap_or_else(|e| panic!("{role}: {e}"))
            .into_inner();
        let office = r.office.unwrap();
        assert_eq!(
            (office.name.as_str(), office.kind.as_str()),
            ("사우동", "동")
        );
        assert_eq!(office.display_name, "사우동 행정복지센터");
        assert!(office.sample && !office.phone.is_empty() && !office.hours.is_empty());
        assert_eq!(r.r#match, pb::OfficeMatch::RoadName as i32);
        assert_eq!(r.matched_name, "사우중로");
    }
    let r = dir
        .find_office(authed(
            find("김포시 통진읍 마송리 312-4"),
            &demo.token("counselor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.office.unwrap().name, "통진읍");
    assert_eq!(r.r#match, pb::OfficeMatch::AdministrativeDong as i32);
    let e = dir
        .find_office(authed(find("김포시 사우중로 1"), &demo.token("chatbot")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let secret = "서울특별시 종로구 비밀로 77-7";
    let e = dir
        .find_office(authed(find(secret), &demo.token("counselor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);
    assert!(!e.message().contains("비밀로"), "{}", e.message());
    let e = dir
        .find_office(authed(find("  "), &demo.token("counselor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(
        !demo.log().contains("비밀로"),
        "the address is never logged"
    );
}

#[tokio::test]
async fn each_case_with_an_address_names_its_handling_office() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let district = citizen["district"].as_str().unwrap();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    let saeol: Vec<&pb::Case> = o.cases.iter().filter(|c| c.source == "saeol").collect();
    assert!(!saeol.is_empty());
    for c in &saeol {
        assert_eq!(c.handling_office, district, "{}", c.case_ref);
    }
    // Any office named is the citizen's own (every source's address is theirs).
    assert!(
        o.cases
            .iter()
            .all(|c| c.handling_office.is_empty() || c.handling_office == district)
    );
}

/// The knowledge search as the chatbot uses it (issue 13): the hub's own index answers in
/// Korean as citizens type, bus routes stay merged in, and the content team replaces the base
/// without a restart — a broken file refused, the served one kept.
#[tokio::test]
async fn knowledge_search_answers_citizens_and_imports_without_a_restart() {
    use pb::knowledge_service_client::KnowledgeServiceClient;
    let demo = Demo::start();
    let mut kb = KnowledgeServiceClient::new(demo.channel().await);
    let chatbot = demo.token("chatbot");
    let search = |q: &str| pb::SearchKnowledgeRequest {
        query: q.into(),
        category: String::new(),
        limit: 5,
    };
    let r = kb
        .search_knowledge(authed(search("주민등록증을 잃어버렸어요"), &chatbot))
        .await
        .expect("search")
        .into_inner();
    let first = r.entries.first().expect("an answer");
    assert_eq!(first.category, "주민등록", "{:?}", first.question);
    assert!(first.question.contains("주민등록증"), "{}", first.question);
    assert_eq!(r.index_generation, 1);
    let r = kb
        .search_knowledge(authed(search("60-3번 버스 어디 가요"), &chatbot))
        .await
        .expect("bus search")
        .into_inner();
    let first = r.entries.first().expect("a route");
    assert_eq!(first.category, "버스노선");
    assert!(first.question.starts_with("60-3번"), "{}", first.question);

    // Import: only the admin role; a broken base is refused with the entry named.
    let admin = demo.token("admin");
    let base = std::fs::read_to_string(demo.dir().join("knowledge-base.toml")).unwrap();
    let e = kb
        .reload_knowledge(authed(
            pb::ReloadKnowledgeRequest {
                content: base.clone(),
            },
            &chatbot,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let broken = base.replacen("review_every = \"1y\"", "review_every = \"yearly\"", 1);
    let e = kb
        .reload_knowledge(authed(
            pb::ReloadKnowledgeRequest { content: broken },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(e.message().contains("review_every"), "{}", e.message());
    // The CLI an operator runs: a new entry, served at once as generation 2.
    let added = format!(
        "{base}\n[[entry]]\nid = \"E2E-001\"\ncategory = \"반려동물\"\nquestion = \"햄스터 분양은 어디서 받나요?\"\nanswer = \"동물보호센터에 문의하세요.\"\ndepartment = \"축산과\"\nphone = \"031-980-5150\"\nreviewed_at = \"2026-01-01\"\nreview_every = \"90d\"\nstatus = \"active\"\n"
    );
    let file = demo.dir().join("import.toml");
    std::fs::write(&file, &added).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
        .args(["knowledge", "import"])
        .arg(&file)
        .args(["--hub", &demo.hub_url()])
        .env("MINWON_TOKEN", &admin)
        .output()
        .expect("run the import");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("generation 2"), "{said}");
    let r = kb
        .search_knowledge(authed(search("햄스터 분양"), &chatbot))
        .await
        .expect("search after import")
        .into_inner();
    assert_eq!(r.index_generation, 2);
    assert_eq!(r.entries.first().map(|e| e.id.as_str()), Some("E2E-001"));
    assert_eq!(
        std::fs::read_to_string(demo.dir().join("knowledge-base.toml")).unwrap(),
        added,
        "the import is written where the hub re-reads"
    );
    // The content team's review list.
    let due = kb
        .list_knowledge_due_for_review(authed(
            pb::ListKnowledgeDueForReviewRequest {
                as_of: "2027-06-01".into(),
                limit: 0,
            },
            &admin,
        ))
        .await
        .expect("due list")
        .into_inner();
    assert!(due.total_due > 0 && !due.entries.is_empty());
    assert!(due.entries.iter().all(|e| e.due_on.as_str() < "2027-06-01"));
    assert_eq!(due.index_generation, 2);
}

#[tokio::test]
async fn the_waste_department_configured_by_its_table_alone_answers_in_the_overview() {
    let demo = Demo::start();
    assert!(demo.all_sources().contains(&"waste".to_string()));
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(
            query_rrn(citizen["rrn"].as_str().unwrap()),
            &demo.token("counselor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "waste"), pb::SourceState::Ok);
    // Each status names the department owning its source (from the descriptor: for `waste`,
    // its table's `department`), so a screen without a label for it can still say whose it is.
    for s in &o.sources {
        assert!(!s.department.is_empty(), "{}: no department", s.source);
    }
    let waste = o.sources.iter().find(|s| s.source == "waste").unwrap();
    assert_eq!(waste.department, "자원순환과");
    let bookings: Vec<_> = o.cases.iter().filter(|c| c.source == "waste").collect();
    assert_eq!(
        bookings.len(),
        3,
        "full-coverage citizens have three bookings"
    );
    for c in bookings {
        assert!(c.case_ref.starts_with("waste:LW-"), "{}", c.case_ref);
        assert!(c.title.starts_with("대형폐기물 배출 신고 ("), "{}", c.title);
        assert_eq!(c.kind, pb::CaseKind::Other as i32);
    }
}

/// A case's attributes are keyed by connector-chosen names (`tax_item`, `payment_bank`); what a
/// counselor reads is each connector's label for it. `GetCase` carries the labels of the keys
/// its case has; an overview's cases leave them out (the answer stays small); an admin's
/// `ListConnectors` shows every source's table, the configured `waste` one included.
#[tokio::test]
async fn get_case_labels_every_attribute_of_its_case_in_korean() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let counselor = demo.token("counselor");
    let o = client
        .get_citizen_overview(authed(support::query_full(&citizen), &counselor))
        .await
        .unwrap()
        .into_inner();
    let mut labelled = 0;
    for source in demo.all_sources() {
        let first = o
            .cases
            .iter()
            .find(|c| c.source == source && !c.attributes.is_empty())
            .unwrap_or_else(|| panic!("{source}: no case with attributes"));
        assert!(
            first.attribute_labels.is_empty(),
            "{source}: in the overview"
        );
        let case = client
            .get_case(authed(support::case_request(&first.case_ref), &counselor))
            .await
            .unwrap()
            .into_inner();
        assert!(!case.attributes.is_empty(), "{source}");
        let mut keys: Vec<&String> = case.attributes.keys().collect();
        let mut with_label: Vec<&String> = case.attribute_labels.keys().collect();
        keys.sort();
        with_label.sort();
        assert_eq!(with_label, keys, "{source}: one label per attribute");
        for (k, label) in &case.attribute_labels {
            assert!(
                label.chars().any(|c| ('가'..='힣').contains(&c)),
                "{source}.{k}: {label:?} is not a Korean label"
            );
            labelled += 1;
        }
    }
    assert!(labelled >= 7, "{labelled}");

    let listed = support::connectors(&demo).await;
    for c in &listed {
        assert!(!c.attribute_labels.is_empty(), "{}: no labels", c.name);
    }
    let waste = listed.iter().find(|c| c.name == "waste").unwrap();
    assert_eq!(waste.attribute_labels["collection_date"], "수거 예정일");
}
