//! The auditor's month against the real demo: queries by role/source with page tokens and
//! KST days, the monthly review with its flags and sign-off (each recorded), the review CLI's
//! three files, and the console's pages served on the admin port.

use crate::support::{self, Demo, authed, query_rrn};
use minwon_proto::v1 as pb;
use pb::audit_service_client::AuditServiceClient;
use pb::citizen_case_service_client::CitizenCaseServiceClient;

/// The current month and day in Asia/Seoul.
fn kst_now() -> (String, String) {
    let now = chrono::Utc::now() + chrono::Duration::hours(9);
    (
        now.format("%Y-%m").to_string(),
        now.format("%Y-%m-%d").to_string(),
    )
}

#[tokio::test]
async fn an_auditor_pages_filters_reviews_and_signs_off_the_month() {
    let demo = Demo::start();
    let rrn = demo.citizens["citizens"][0]["rrn"]
        .as_str()
        .unwrap()
        .to_string();
    let other = demo.citizens["citizens"][3]["rrn"]
        .as_str()
        .unwrap()
        .to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for _ in 0..5 {
        client
            .get_citizen_overview(authed(query_rrn(&rrn), &demo.token("counselor")))
            .await
            .unwrap();
    }
    client
        .get_citizen_overview(authed(query_rrn(&other), &demo.token("counselor")))
        .await
        .unwrap();

    // Role + source, two records a page, continued with the last audit id.
    let (month, today) = kst_now();
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let q = pb::QueryAccessRecordsRequest {
            role: "counselor".into(),
            source: "tax".into(),
            from_date: today.clone(),
            limit: 2,
            page_token: token.clone(),
            ..Default::default()
        };
        let page = support::trail::query_trail(&demo, q).await;
        if page.is_empty() {
            break;
        }
        token = page.last().unwrap().audit_id.clone();
        pages.push(page.iter().map(|r| r.sequence).collect::<Vec<_>>());
    }
    assert_eq!(pages.concat(), (1..=6).collect::<Vec<u64>>(), "{pages:?}");
    assert_eq!(pages[0].len(), 2);
    // An exports-only query finds none; a bad token is named.
    let exports = support::trail::query_trail(
        &demo,
        pb::QueryAccessRecordsRequest {
            action: "export".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(exports.is_empty());
    let mut audit = AuditServiceClient::new(demo.channel().await);
    let bad = pb::QueryAccessRecordsRequest {
        page_token: "next".into(),
        ..Default::default()
    };
    let e = audit
        .query_access_records(authed(bad, &demo.token("auditor")))
        .await
        .unwrap_err();
    assert!(e.message().starts_with("page_token"), "{}", e.message());

    // The review: the repeated subject is flagged with its five records.
    let review = audit
        .get_access_review(authed(
            pb::GetAccessReviewRequest {
                month: month.clone(),
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(review.verification.as_ref().unwrap().ok, "{review:?}");
    assert!(!review.signing_key_id.is_empty() && !review.audit_id.is_empty());
    let repeated: Vec<_> = review
        .flags
        .iter()
        .filter(|f| f.kind == "repeated_subject")
        .collect();
    assert_eq!(repeated.len(), 1, "{:?}", review.flags);
    assert_eq!(repeated[0].account, "counselor-01");
    assert_eq!(repeated[0].sequences, vec![1, 2, 3, 4, 5]);
    assert!(
        !repeated[0].detail.contains(&rrn[8..]),
        "{}",
        repeated[0].detail
    );
    let counselor = review
        .accounts
        .iter()
        .find(|a| a.account == "counselor-01")
        .unwrap();
    assert_eq!((counselor.records, counselor.distinct_subjects), (6, 2));
    assert!(review.sign_offs.is_empty());

    // Sign-off: recorded, then part of the review.
    let done = audit
        .sign_off_access_review(authed(
            pb::SignOffAccessReviewRequest {
                month: month.clone(),
                comment: "반복 조회는 통화 중 재조회로 확인".into(),
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    let s = done.sign_off.unwrap();
    assert_eq!(s.reviewer, "auditor-01");
    let again = audit
        .get_access_review(authed(
            pb::GetAccessReviewRequest {
                month: month.clone(),
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.sign_offs.len(), 1);
    assert_eq!(again.sign_offs[0].sequence, s.sequence);
    assert_eq!(
        again.sign_offs[0].comment,
        "반복 조회는 통화 중 재조회로 확인"
    );
    let ops = support::trail::query_trail(
        &demo,
        pb::QueryAccessRecordsRequest {
            role: "auditor".into(),
            ..Default::default()
        },
    )
    .await;
    let names: Vec<&str> = ops.iter().map(|r| r.operation.as_str()).collect();
    assert!(names.contains(&"GetAccessReview") && names.contains(&"SignOffAccessReview"));

    // Bad months, a month not begun, and a counselor's attempt.
    for (m, code) in [
        ("2026-13", tonic::Code::InvalidArgument),
        ("2999-01", tonic::Code::FailedPrecondition),
    ] {
        let e = audit
            .sign_off_access_review(authed(
                pb::SignOffAccessReviewRequest {
                    month: m.into(),
                    comment: String::new(),
                },
                &demo.token("auditor"),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{m}: {}", e.message());
    }
    let e = audit
        .get_access_review(authed(
            pb::GetAccessReviewRequest {
                month: month.clone(),
            },
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);

    // VerifyAuditLog from a sequence checks only the rest; past the head is named.
    let v = audit
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest { from_sequence: 4 },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(v.ok, "{v:?}");
    let head = demo.access_record_count() as u64;
    assert_eq!(v.records_checked, head - 3, "{v:?}");
    let e = audit
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest {
                from_sequence: head + 100,
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);

    // The CLI writes the report, CSV and JSON; the HTML names the verification and key.
    let out = demo.dir().join("review");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
        .args(["audit", "review", "--config"])
        .arg(demo.dir().join("demo-config.toml"))
        .args(["--month", &month, "--account", "auditor-kim", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let html = std::fs::read_to_string(out.join(format!("access-review-{month}.html"))).unwrap();
    assert!(html.contains("위·변조 검증") && html.contains("이상 없음"));
    assert!(html.contains(&review.signing_key_id) && html.contains("@page"));
    assert!(
        html.contains("반복 조회는 통화 중 재조회로 확인"),
        "the sign-off is shown"
    );
    let csv = std::fs::read(out.join(format!("access-review-{month}.csv"))).unwrap();
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("access-review-{month}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(json["month"], month.as_str());
    for text in [&html, &String::from_utf8(csv).unwrap(), &json.to_string()] {
        assert!(
            !support::trail::has_rrn_shape(&support::trail::without_ids(text)),
            "no RRN in the review files"
        );
    }
}

/// The console without a browser: strict headers, sign-in by form, CSRF, and its reads
/// recorded like the API's (the auditor's account, the browser's address).
#[tokio::test]
async fn the_console_signs_in_by_form_refuses_a_wrong_csrf_token_and_records_its_reads() {
    let demo = Demo::start();
    let console = demo.endpoints["console"].as_str().unwrap().to_string();
    assert!(console.ends_with("/console/"), "{console}");
    minwon_connector_sdk::tls::install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(format!("{console}records")).send().await.unwrap();
    assert_eq!(r.status(), 303, "no session: to the sign-in page");
    let r = http.get(format!("{console}login")).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    let pre = h["set-cookie"].to_str().unwrap().to_string();
    assert!(
        pre.contains("HttpOnly") && pre.contains("SameSite=Strict"),
        "{pre}"
    );
    let pre_value = pre.split(';').next().unwrap().to_string();
    let csrf = pre_value.split_once('=').unwrap().1.to_string();
    let form = |body: String| {
        http.post(format!("{console}login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &pre_value)
            .body(body)
    };
    // A sign-in without the form's own token is refused; with it, a session starts.
    let r = form(format!("token={}&csrf=x", demo.token("auditor")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the form again, no session");
    let r = form(format!("token={}&csrf={csrf}", demo.token("auditor")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("minwon_console="))
        .unwrap();
    let cookie = session.split(';').next().unwrap().to_string();
    let before = demo.access_record_count();
    let page = http
        .get(format!("{console}records?role=auditor"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("감사 콘솔"));
    assert_eq!(
        demo.access_record_count(),
        before + 1,
        "the console's read is recorded"
    );
    let mine = support::trail::query_trail(
        &demo,
        pb::QueryAccessRecordsRequest {
            role: "auditor".into(),
            operation: "QueryAccessRecords".into(),
            ..Default::default()
        },
    )
    .await;
    let first = &mine[0];
    assert_eq!(first.account, "auditor-01");
    assert_eq!(first.client_address, "127.0.0.1");
    let r = http
        .post(format!("{console}review/sign-off"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=wrong&month=2026-11&comment=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong CSRF token signs nothing off");
}
