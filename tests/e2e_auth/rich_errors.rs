//! End-to-end, part of `e2e_auth`: errors a screen can show — `google.rpc.Status` details
//! (ErrorInfo with a stable reason, BadRequest naming the field, never the value) and Korean
//! messages for `accept-language: ko`, also in each source's status detail.

use crate::support::{Demo, authed, query_rrn};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use tonic_types::StatusExt;

fn korean<T>(mut req: tonic::Request<T>) -> tonic::Request<T> {
    req.metadata_mut()
        .insert("accept-language", "ko-KR,ko;q=0.9".parse().unwrap());
    req
}

fn reason(s: &tonic::Status) -> String {
    s.get_error_details()
        .error_info()
        .map(|i| i.reason.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn errors_carry_reason_codes_field_violations_and_korean_words() {
    let demo = Demo::start();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let counselor = demo.token("counselor");

    // A malformed RRN: the field, the reason, Korean words, and never the value.
    let bad = "901399-1234567";
    let e = client
        .get_citizen_overview(korean(authed(query_rrn(bad), &counselor)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert_eq!(reason(&e), "INVALID_CITIZEN_KEY");
    let d = e.get_error_details();
    let v = &d.bad_request().expect("BadRequest").field_violations[0];
    assert_eq!(v.field, "citizen.rrn");
    assert!(e.message().contains("형식"), "{}", e.message());
    assert!(!format!("{e:?}").contains("901399"), "no value echoed");

    // No purpose: PURPOSE_REQUIRED, in English without accept-language.
    let mut q = query_rrn(demo.full_citizen()["rrn"].as_str().unwrap());
    q.purpose = None;
    let e = client
        .get_citizen_overview(authed(q, &counselor))
        .await
        .unwrap_err();
    assert_eq!(reason(&e), "PURPOSE_REQUIRED");
    assert!(e.message().starts_with("purpose"), "{}", e.message());

    // No token, and the chatbot by keys: stable reasons, Korean words.
    let e = client
        .get_citizen_overview(korean(tonic::Request::new(query_rrn("900101-1234567"))))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    assert_eq!(reason(&e), "TOKEN_MISSING");
    assert!(e.message().contains("인증 토큰"), "{}", e.message());
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let e = client
        .get_citizen_overview(korean(authed(query_rrn(&rrn), &demo.token("chatbot"))))
        .await
        .unwrap_err();
    assert_eq!(reason(&e), "SELF_SERVICE_REQUIRED");
    assert!(e.message().contains("SelfService"), "{}", e.message());

    // Source statuses in Korean: an RRN-only query skips the sources that need other keys.
    let o = client
        .get_citizen_overview(korean(authed(query_rrn(&rrn), &counselor)))
        .await
        .unwrap()
        .into_inner();
    let skipped = o
        .sources
        .iter()
        .find(|s| s.state == pb::SourceState::Skipped as i32)
        .expect("a source needing a plate or water number is skipped");
    assert!(
        skipped.detail.starts_with("조회하지 않음"),
        "{}",
        skipped.detail
    );
}
