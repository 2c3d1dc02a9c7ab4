//! End-to-end: the access trail as an auditor sees it — querying by data subject, verifying,
//! tamper detection by the CLI, offline export (recorded as an access; a cut bundle fails),
//! crash safety, lockout, and no personal value
//! in the hub's logs.

mod support;
// GetCase's record: the case's citizen, never the caller's text.
#[path = "e2e_privacy/get_case.rs"]
mod get_case;
// The monthly review, paging and filters, sign-off, the review CLI.
#[path = "e2e_privacy/review.rs"]
mod review;

use minwon_proto::v1 as pb;
use pb::audit_service_client::AuditServiceClient;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use std::process::Command;
use support::{Demo, authed, personal_values, query_full, query_rrn};

fn hub() -> Command {
    Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
}

async fn records_for(demo: &Demo, rrn: &str) -> Vec<pb::AccessRecord> {
    let q = pb::QueryAccessRecordsRequest {
        subject_rrn: rrn.into(),
        ..Default::default()
    };
    support::trail::query_trail(demo, q).await
}

#[tokio::test]
async fn auditor_finds_a_citizens_records_by_rrn_and_the_look_is_recorded() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let rrn = citizen["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    // Another citizen's look-up must not show up.
    let other = demo.citizens["citizens"][7]["rrn"]
        .as_str()
        .unwrap()
        .to_string();
    client
        .get_citizen_overview(authed(query_rrn(&other), &demo.token("counselor")))
        .await
        .unwrap();

    // The auditor's own query names the same subject and is recorded before it runs, so it
    // is part of its own answer: who watches the watchers.
    let found = records_for(&demo, &rrn).await;
    assert_eq!(
        found.len(),
        2,
        "this citizen's look-up and the audit query, nothing else"
    );
    assert_eq!(found[1].operation, "QueryAccessRecords");
    assert_eq!(found[1].account, "auditor-01");
    assert_eq!(found[1].purpose, pb::PurposeCode::AuditReview as i32);
    let r = &found[0];
    assert_eq!(r.audit_id, o.audit_id);
    assert_eq!(
        (r.account.as_str(), r.role.as_str(), r.channel.as_str()),
        ("counselor-01", "counselor", "phone")
    );
    assert_eq!(r.operation, "GetCitizenOverview");
    assert_eq!(r.purpose, pb::PurposeCode::CitizenInquiry as i32);
    assert_eq!(r.outcome, pb::AccessOutcome::Allowed as i32);
    assert!(r.subject_masked.ends_with("******") && !r.subject_masked.contains(&rrn[8..]));
    assert!(!r.client_address.is_empty() && r.trace_id.len() == 32 && r.hash.len() == 64);
    assert_eq!(r.sources.len(), demo.all_sources().len());
    assert!(
        r.clear_fields.is_empty(),
        "counselors see masked fields only"
    );
    // Two look-ups and the auditor's own query are on the trail.
    assert_eq!(demo.access_record_count(), 3);
    let again = records_for(&demo, &rrn).await;
    assert_eq!(again.len(), 3, "each audit query is itself a record");
    // Counselors may not read the trail; the attempt is recorded.
    let mut audit = AuditServiceClient::new(demo.channel().await);
    let e = audit
        .query_access_records(authed(
            pb::QueryAccessRecordsRequest::default(),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let bad = pb::QueryAccessRecordsRequest {
        subject_rrn: "12345".into(),
        ..Default::default()
    };
    let e = audit
        .query_access_records(authed(bad, &demo.token("auditor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(!e.message().contains("12345"));
}

/// The overview's record is written while the sources are called, so it names every field
/// the policy lets through in clear: it may over-record, never under-record what the answer
/// shows.
#[tokio::test]
async fn an_officers_record_covers_every_field_the_answer_shows_in_clear() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let rrn = citizen["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("officer")))
        .await
        .unwrap()
        .into_inner();
    let shown: Vec<String> = o
        .cases
        .iter()
        .filter_map(|c| c.personal.as_ref())
        .flat_map(|p| p.clear_fields.iter().cloned())
        .collect();
    assert!(
        !shown.is_empty(),
        "the tax officer sees the tax cases' fields in clear"
    );
    let found = records_for(&demo, &rrn).await;
    let r = found
        .iter()
        .find(|r| r.audit_id == o.audit_id)
        .expect("the overview's record");
    assert_eq!(r.role, "officer");
    for field in &shown {
        assert!(
            r.clear_fields.contains(field),
            "{field} shown in clear but not recorded: {:?}",
            r.clear_fields
        );
    }
}

#[tokio::test]
async fn tampering_is_caught_by_the_rpc_and_the_cli_offline() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for _ in 0..4 {
        client
            .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
            .await
            .unwrap();
    }
    let mut audit = AuditServiceClient::new(demo.channel().await);
    let v = audit
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest::default(),
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(v.ok, "{v:?}");
    assert!(v.records_checked >= 4);

    let config = demo.dir().join("demo-config.toml");
    // Export a bundle and verify it offline with only the public key.
    let key = demo.dir().join("checkpoint-public.pem");
    let out = hub()
        .args(["audit", "public-key", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&key, &out.stdout).unwrap();
    let mut export_ids = Vec::new();
    for format in ["jsonl", "csv"] {
        let bundle = demo.dir().join(format!("bundle-{format}"));
        let st = hub()
            .args(["audit", "export", "--format", format, "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&bundle)
            .args([
                "--account",
                "auditor-kim",
                "--purpose-note",
                "2026-11 월간 점검",
            ])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        // The export is an access of its own, committed before the bundle: its audit id is
        // printed and named in the signed manifest; its record lies after the bundle.
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
                .unwrap();
        let id = manifest["export_audit_id"].as_str().unwrap().to_string();
        assert!(String::from_utf8_lossy(&st.stdout).contains(&id));
        let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
        let (sequence, row): (i64, (String, String, String, String)) = conn
            .query_row(
                "SELECT sequence, action, account, operation, purpose_code FROM access_record \
                 WHERE audit_id = ?1",
                [&id],
                |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))),
            )
            .unwrap();
        let want = ("export", "auditor-kim", "audit export", "audit_review");
        assert_eq!((&*row.0, &*row.1, &*row.2, &*row.3), want);
        assert_eq!(manifest["last_sequence"].as_i64(), Some(sequence - 1));
        export_ids.push(id);
        let st = hub()
            .args(["audit", "verify", "--bundle"])
            .arg(&bundle)
            .arg("--public-key")
            .arg(&key)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{format} bundle verifies: {}",
            String::from_utf8_lossy(&st.stdout)
        );
    }
    let csv = std::fs::read(demo.dir().join("bundle-csv/records.csv")).unwrap();
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "CSV opens correctly in spreadsheets (UTF-8 BOM)"
    );
    assert!(
        String::from_utf8_lossy(&csv).contains(&export_ids[0]),
        "the next export shows the first export's record"
    );

    // Cut the JSONL bundle at its tail, empty its checkpoints and relabel the manifest: the
    // manifest signature no longer verifies, and the CLI says so with a non-zero exit.
    let bundle = demo.dir().join("bundle-jsonl");
    let records = std::fs::read_to_string(bundle.join("records.jsonl")).unwrap();
    let kept: Vec<&str> = records.lines().take(2).collect();
    std::fs::write(bundle.join("records.jsonl"), kept.join("\n") + "\n").unwrap();
    std::fs::write(bundle.join("checkpoints.jsonl"), "").unwrap();
    let path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let last: serde_json::Value = serde_json::from_str(kept[1]).unwrap();
    manifest["last_sequence"] = last["sequence"].clone();
    manifest["last_hash"] = last["hash"].clone();
    manifest["record_count"] = 2.into();
    manifest["checkpoint_count"] = 0.into();
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    let st = hub()
        .args(["audit", "verify", "--bundle"])
        .arg(&bundle)
        .arg("--public-key")
        .arg(&key)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(!st.status.success(), "a cut bundle fails: {text}");
    assert!(
        text.contains("FAILED: manifest signature does not verify"),
        "{text}"
    );

    // Change one field of record 2 behind the hub's back.
    let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in triggers {
        conn.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
    }
    conn.execute(
        "UPDATE access_record SET account = 'someone-else' WHERE sequence = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let v = audit
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest::default(),
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!v.ok);
    assert_eq!(v.first_bad_sequence, 2);
    let st = hub()
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        !st.status.success(),
        "the CLI exits non-zero on a tampered trail"
    );
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(text.contains("FAILED at sequence 2"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_record_a_client_received() {
    let mut demo = Demo::start();
    let citizen = demo.full_citizen();
    let channel = demo.channel().await;
    let token = demo.token("counselor");
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (channel, token, citizen) = (channel.clone(), token.clone(), citizen.clone());
        let received = received.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = CitizenCaseServiceClient::new(channel);
            for _ in 0..500 {
                match client
                    .get_citizen_overview(authed(query_full(&citizen), &token))
                    .await
                {
                    Ok(o) => received.lock().unwrap().push(o.into_inner().audit_id),
                    Err(_) => break,
                }
            }
        }));
    }
    // Let load build up, then kill the hub without warning, calls still in flight.
    while received.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    demo.kill();
    for t in tasks {
        t.await.unwrap();
    }
    let received = received.lock().unwrap().clone();
    let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
    for id in &received {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM access_record WHERE audit_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            n, 1,
            "a response with personal data left the hub without its durable record"
        );
    }
    drop(conn);
    let st = hub()
        .args(["audit", "verify", "--config"])
        .arg(demo.dir().join("demo-config.toml"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "the chain verifies after the crash: {}",
        String::from_utf8_lossy(&st.stdout)
    );
}

/// Forged tokens naming a counselor's account never lock that account: failures count
/// against the client address, and the address throttle still lets a token through that the
/// hub verified before. Nothing the forged token claims reaches the log.
#[tokio::test]
async fn forged_tokens_never_lock_the_account_they_name() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let good = demo.token("counselor");
    client
        .get_citizen_overview(authed(query_rrn(&rrn), &good))
        .await
        .expect("the counselor at work");
    // Same claimed account, broken signature, and a claim no real token carries.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[2] = "A".repeat(parts[2].len());
    let forged = parts.join(".");
    for _ in 0..8 {
        let e = client
            .get_citizen_overview(authed(query_rrn(&rrn), &forged))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e.code(),
                tonic::Code::Unauthenticated | tonic::Code::ResourceExhausted
            ),
            "{e:?}"
        );
        assert!(!e.message().contains("locked"), "{}", e.message());
    }
    client
        .get_citizen_overview(authed(query_rrn(&rrn), &good))
        .await
        .expect("the named account is never locked by someone else's forgeries");
    // New tokens from the throttled address are not checked until the throttle ends.
    let e = client
        .get_citizen_overview(authed(query_rrn(&rrn), &demo.token("officer")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::ResourceExhausted, "{e:?}");
    assert!(e.message().contains("this address"), "{}", e.message());
    let log = demo.log();
    assert!(log.contains("client address throttled"), "{log}");
    assert!(
        !log.contains("counselor-01"),
        "an unverified claim is never logged"
    );
}

#[tokio::test]
async fn logs_carry_no_personal_values() {
    let demo = Demo::start();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let citizens: Vec<serde_json::Value> = demo.citizens["citizens"]
        .as_array()
        .unwrap()
        .iter()
        .take(6)
        .cloned()
        .collect();
    for c in &citizens {
        let _ = client
            .get_citizen_overview(authed(query_full(c), &demo.token("counselor")))
            .await;
        let _ = client
            .get_citizen_overview(authed(query_full(c), &demo.token("auditor")))
            .await;
        let mut bad = query_full(c);
        bad.citizen.as_mut().unwrap().rrn = c["rrn"].as_str().unwrap().replace('-', "x");
        let _ = client
            .get_citizen_overview(authed(bad, &demo.token("counselor")))
            .await;
    }
    minwon_connector_sdk::sim::set_fault(
        &demo.sim_url("tax"),
        minwon_connector_sdk::sim::Fault {
            mode: minwon_connector_sdk::sim::FaultMode::Malformed,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    for c in &citizens {
        let _ = client
            .get_citizen_overview(authed(query_full(c), &demo.token("counselor")))
            .await;
    }
    let log = demo.log();
    assert!(
        log.contains("source failed"),
        "the log did record the failures"
    );
    for c in &citizens {
        for v in personal_values(c) {
            assert!(!log.contains(&v), "a personal value reached the log");
        }
    }
}
