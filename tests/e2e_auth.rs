//! End-to-end: authentication, authorization and input validation over real gRPC.

#[path = "e2e_auth/issuers.rs"]
mod issuers;
#[path = "e2e_auth/rich_errors.rs"]
mod rich_errors;
#[path = "e2e_auth/self_service.rs"]
mod self_service;
mod support;

use minwon_hub::access::auth::{Channel, Role, TokenMinter};
use minwon_proto::v1 as pb;
use pb::audit_service_client::AuditServiceClient;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use support::{Demo, authed, query_rrn};

fn minter(demo: &Demo) -> TokenMinter {
    let key =
        minwon_hub::config::keys::read_signing_key(&demo.dir().join("jwt-signing.pem")).unwrap();
    TokenMinter::new(&key, "minwon-hub", "minwon-hub").unwrap()
}

#[tokio::test]
async fn missing_expired_and_forged_tokens_are_unauthenticated() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);

    let e = client
        .get_citizen_overview(tonic::Request::new(query_rrn(&rrn)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    assert!(e.message().contains("authorization"));

    let expired = minter(&demo)
        .mint("c-1", Role::Counselor, None, Channel::Phone, -3600)
        .unwrap();
    let e = client
        .get_citizen_overview(authed(query_rrn(&rrn), &expired))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    assert!(e.message().contains("expired"));

    let other = TokenMinter::new(
        &minwon_hub::config::keys::generate_signing_key(),
        "minwon-hub",
        "minwon-hub",
    )
    .unwrap();
    let forged = other
        .mint("c-1", Role::Counselor, None, Channel::Phone, 3600)
        .unwrap();
    let e = client
        .get_citizen_overview(authed(query_rrn(&rrn), &forged))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);

    let e = client
        .get_citizen_overview(authed(query_rrn(&rrn), "not.a.jwt"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    assert_eq!(
        demo.access_record_count(),
        0,
        "nothing was revealed, nothing to record"
    );
}

#[tokio::test]
async fn bad_rrn_is_invalid_argument_without_echoing_it() {
    let demo = Demo::start();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for bad in ["901332-1234567", "12345", "900101-A234567"] {
        let e = client
            .get_citizen_overview(authed(query_rrn(bad), &demo.token("counselor")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument, "{bad}");
        assert!(e.message().starts_with("citizen.rrn"), "{}", e.message());
        assert!(!e.message().contains(bad));
    }
    let mut no_purpose = query_rrn("900101-1234567");
    no_purpose.purpose = None;
    let e = client
        .get_citizen_overview(authed(no_purpose, &demo.token("counselor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(e.message().starts_with("purpose"));
    let mut bad_plate = query_rrn("");
    bad_plate.citizen.as_mut().unwrap().vehicle_numbers = vec!["ABC-123".into()];
    let e = client
        .get_citizen_overview(authed(bad_plate, &demo.token("counselor")))
        .await
        .unwrap_err();
    assert!(e.message().starts_with("citizen.vehicle_numbers"));
}

#[tokio::test]
async fn auditors_get_no_case_data_and_the_refusal_is_recorded() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let e = client
        .get_citizen_overview(authed(query_rrn(&rrn), &demo.token("auditor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    assert_eq!(
        demo.access_record_count(),
        1,
        "a denial is itself an access record"
    );
    let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
    let outcome: String = conn
        .query_row("SELECT outcome FROM access_record", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outcome, "denied");
}

/// The chatbot no longer looks anyone up by keys it was given: PERMISSION_DENIED naming
/// SelfService, and the refusal is recorded.
#[tokio::test]
async fn chatbot_and_sms_look_up_no_one_by_arbitrary_keys() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for role in ["chatbot", "sms"] {
        let e = client
            .get_citizen_overview(authed(query_rrn(&rrn), &demo.token(role)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied, "{role}");
        assert!(
            e.message().contains("minwon.v1.SelfService"),
            "{}",
            e.message()
        );
        let e = client
            .get_case(authed(
                pb::GetCaseRequest {
                    case_ref: "tax:1".into(),
                    purpose: query_rrn(&rrn).purpose,
                },
                &demo.token(role),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied, "{role} GetCase");
    }
    assert_eq!(demo.access_record_count(), 4, "every refusal is recorded");
}

#[tokio::test]
async fn audit_rpcs_are_for_auditors_only() {
    let demo = Demo::start();
    let mut client = AuditServiceClient::new(demo.channel().await);
    let e = client
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest::default(),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let ok = client
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest::default(),
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.ok);
    assert_eq!(
        ok.records_checked, 2,
        "the refused attempt and the verification are both recorded"
    );
}
