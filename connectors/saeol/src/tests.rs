//! Unit tests of the wire layer: envelope write/parse round trips through EUC-KR, prefix
//! tolerance, fault classification, HTTP interpretation, and property tests that the
//! response reader never panics on hostile input.

use crate::connector::interpret;
use crate::fault::{Fault, FaultSide, classify, write_fault};
use crate::knowledge::entries_from_response;
use crate::mapping::complaints_from_list;
use crate::schema::{CONTENT_TYPE, Operation, code, el};
use crate::soap::{parse_envelope, parse_response, write_request};
use minwon_connector_sdk::encoding::{decode_body, encode_euc_kr};
use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::{CaseKind, CaseStatus, ErrorKind};
use proptest::prelude::*;
use std::time::Duration;

/// A list response as a foreign server might write it: other prefixes, whitespace, an entity.
const LIST: &str = r#"<?xml version="1.0" encoding="EUC-KR"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:saeol:minwon">
  <SOAP-ENV:Body>
    <ns1:GetCivilComplaintListResponse>
      <ns1:resultCnt>2</ns1:resultCnt>
      <ns1:mnwnList>
        <ns1:mnwnInfo>
          <ns1:mnwnNo>2026-0100012</ns1:mnwnNo>
          <ns1:mnwnTtl>사우동 김포대로 불법주정차 신고 &amp; 단속</ns1:mnwnTtl>
          <ns1:mnwnClsfNm>불법주정차 신고</ns1:mnwnClsfNm>
          <ns1:prcsSttsNm>처리완료</ns1:prcsSttsNm>
          <ns1:rcptDt>20260305093000</ns1:rcptDt>
          <ns1:prcsDt>20260307140000</ns1:prcsDt>
          <ns1:prcsDdlnDt>20260312</ns1:prcsDdlnDt>
          <ns1:prcsDeptNm>교통행정과</ns1:prcsDeptNm>
          <ns1:chrgTelno>031-980-2671</ns1:chrgTelno>
          <ns1:rcptPathNm>전화</ns1:rcptPathNm>
          <ns1:aplcntNm>홍길동</ns1:aplcntNm>
          <ns1:aplcntTelno>010-1234-5678</ns1:aplcntTelno>
          <ns1:aplcntAddr>경기도 김포시 사우동 김포대로 12</ns1:aplcntAddr>
        </ns1:mnwnInfo>
        <mnwnInfo><mnwnNo>2026-0100013</mnwnNo><mnwnTtl><![CDATA[가로등 <고장>]]></mnwnTtl>
          <prcsSttsNm>이첩</prcsSttsNm><rcptDt>bogus</rcptDt></mnwnInfo>
      </ns1:mnwnList>
    </ns1:GetCivilComplaintListResponse>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>"#;

fn raw(status: u16, body: Vec<u8>) -> RawResponse {
    RawResponse {
        status,
        content_type: Some(CONTENT_TYPE.to_string()),
        retry_after: None,
        body,
    }
}

#[test]
fn request_round_trips_through_euc_kr_with_escaping() {
    let tricky = "여권 <재발급> & \"절차\" 'ㄱ' 뷁 😀";
    let xml = write_request(
        Operation::SearchKnowledge,
        "4157000000",
        &[(el::SRCH_WRD, tricky)],
    );
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"EUC-KR\"?>"));
    let bytes = encode_euc_kr(&xml);
    // 여 in EUC-KR is BF A9; the text must not travel as UTF-8.
    assert!(bytes.windows(2).any(|w| w == [0xBF, 0xA9]));
    assert!(std::str::from_utf8(&bytes).is_err());
    let text = decode_body(&bytes, Some(CONTENT_TYPE)).unwrap();
    let env = parse_envelope(&text).unwrap();
    assert_eq!(env.payload.name, "SearchKnowledge");
    assert_eq!(
        env.payload.child_text(el::SRCH_WRD),
        Some(tricky),
        "😀 travels as &#128512;"
    );
    assert!(text.contains("&#128512;"));
    let org = env.header.unwrap();
    assert_eq!(
        org.child(el::REQ_INFO)
            .and_then(|r| r.child_text(el::ORG_CD)),
        Some("4157000000")
    );
}

#[test]
fn list_response_maps_to_cases_whatever_the_prefixes() {
    let resp = parse_response(LIST, Operation::GetCivilComplaintList).unwrap();
    let cases = complaints_from_list(&resp).unwrap();
    assert_eq!(cases.len(), 2);
    let c = &cases[0];
    assert_eq!(
        (c.source.as_str(), c.native_id.as_str()),
        ("saeol", "2026-0100012")
    );
    assert_eq!(c.title, "사우동 김포대로 불법주정차 신고 & 단속");
    assert_eq!(
        (c.status, c.source_status.as_str()),
        (CaseStatus::Completed, "처리완료")
    );
    assert_eq!(c.kind, CaseKind::Complaint);
    assert_eq!(
        c.opened_at.unwrap().to_rfc3339(),
        "2026-03-05T00:30:00+00:00"
    );
    assert_eq!(c.due_date.unwrap().to_string(), "2026-03-12");
    assert_eq!(
        (c.department.as_str(), c.contact.as_str()),
        ("교통행정과", "031-980-2671")
    );
    assert_eq!(c.attributes["channel"], "전화");
    assert_eq!(c.personal.name.as_deref(), Some("홍길동"));
    assert_eq!(c.personal.phone.as_deref(), Some("010-1234-5678"));
    assert!(c.personal.address.as_deref().unwrap().contains("사우동"));
    let odd = &cases[1];
    assert_eq!(odd.title, "가로등 <고장>");
    assert_eq!(
        (odd.status, odd.source_status.as_str()),
        (CaseStatus::Transferred, "이첩")
    );
    assert_eq!(odd.opened_at, None, "an unparsable date is left out");
}

#[test]
fn list_shape_problems_are_bad_response() {
    let miscount = LIST.replace(">2</ns1:resultCnt>", ">3</ns1:resultCnt>");
    let no_number = LIST.replace("<mnwnNo>2026-0100013</mnwnNo>", "");
    for xml in [miscount, no_number] {
        let resp = parse_response(&xml, Operation::GetCivilComplaintList).unwrap();
        assert_eq!(
            complaints_from_list(&resp).unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }
    let wrong_op = parse_response(LIST, Operation::GetCivilComplaintDetail).unwrap_err();
    assert_eq!(wrong_op.kind, ErrorKind::BadResponse);
}

#[test]
fn structural_problems_are_bad_response() {
    let deep = format!(
        "<Envelope><Body>{}{}</Body></Envelope>",
        "<a>".repeat(200),
        "</a>".repeat(200)
    );
    let cases = [
        "",
        "not xml at all",
        "<html><body>500</body></html>",
        "<Envelope><Body></Body></Envelope>",
        "<Envelope></Envelope>",
        "<Envelope><Body><x/></Body></Envelope><Envelope/>",
        "<!DOCTYPE x [<!ENTITY e 'boom'>]><Envelope><Body>&e;</Body></Envelope>",
        "<Envelope><Body><x>&unknown;</x></Body></Envelope>",
        "<Envelope><Body><x></y></Body></Envelope>",
        &LIST[..LIST.len() / 2],
        &deep,
    ];
    for xml in cases {
        let e = parse_response(xml, Operation::GetCivilComplaintList).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{xml:.60}");
    }
}

fn fault_kind(side: FaultSide, error_code: &str) -> ErrorKind {
    let xml = write_fault(side, "홍길동 900101-1234567 조회 실패", error_code);
    let e = parse_response(&xml, Operation::GetCivilComplaintList).unwrap_err();
    assert!(
        !e.message.contains("홍길동") && !e.message.contains("900101"),
        "{e}"
    );
    e.kind
}

#[test]
fn faults_classify_by_error_code_then_side() {
    use FaultSide::{Client, Server};
    assert_eq!(fault_kind(Client, code::NOT_FOUND), ErrorKind::NotFound);
    assert_eq!(
        fault_kind(Client, code::INVALID_PARAM),
        ErrorKind::InvalidQuery
    );
    assert_eq!(fault_kind(Client, code::AUTH_ORG), ErrorKind::Unauthorized);
    assert_eq!(
        fault_kind(Client, code::UNKNOWN_OPERATION),
        ErrorKind::Internal
    );
    assert_eq!(fault_kind(Server, code::SYS_DB), ErrorKind::Unavailable);
    assert_eq!(fault_kind(Server, code::SYS_LIMIT), ErrorKind::RateLimited);
    assert_eq!(fault_kind(Server, code::SYS_TIMEOUT), ErrorKind::Timeout);
    assert_eq!(fault_kind(Server, "ORA-00942"), ErrorKind::Unavailable);
    assert_eq!(fault_kind(Client, "E999"), ErrorKind::InvalidQuery);
    let e = classify(&Fault {
        side: Server,
        error_code: Some("<script>".into()),
    });
    assert!(e.message.contains("(unrecognised)"), "{e}");
    let no_code = "<Envelope><Body><Fault><faultstring>x</faultstring></Fault></Body></Envelope>";
    let e = parse_response(no_code, Operation::GetServerStatus).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    let dotted = "<e:Envelope xmlns:e='x'><e:Body><e:Fault><faultcode>e:Server.Busy</faultcode>\
                  </e:Fault></e:Body></e:Envelope>";
    let e = parse_response(dotted, Operation::GetServerStatus).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
}

#[test]
fn http_answers_are_interpreted() {
    let op = Operation::GetCivilComplaintDetail;
    let fault = |side, c| encode_euc_kr(&write_fault(side, "오류", c));
    let kind = |r: RawResponse| interpret(op, &r).unwrap_err().kind;
    assert_eq!(
        kind(raw(500, fault(FaultSide::Client, code::NOT_FOUND))),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(raw(500, fault(FaultSide::Server, code::SYS_DB))),
        ErrorKind::Unavailable
    );
    assert_eq!(
        kind(raw(200, fault(FaultSide::Server, code::SYS_DB))),
        ErrorKind::Unavailable
    );
    assert_eq!(
        kind(raw(500, b"<html>JEUS</html>".to_vec())),
        ErrorKind::Unavailable
    );
    assert_eq!(kind(raw(502, vec![0xFF, 0xFE])), ErrorKind::Unavailable);
    assert_eq!(kind(raw(429, vec![])), ErrorKind::RateLimited);
    assert_eq!(
        kind(raw(404, vec![])),
        ErrorKind::Unavailable,
        "wrong endpoint path"
    );
    assert_eq!(
        kind(raw(200, vec![0xB0, 0x20, 0xFF])),
        ErrorKind::BadResponse
    );
    let mut r = raw(503, fault(FaultSide::Server, code::SYS_LIMIT));
    r.retry_after = Some(Duration::from_secs(7));
    let e = interpret(op, &r).unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::RateLimited, Some(Duration::from_secs(7)))
    );
}

#[test]
fn knowledge_response_is_read_and_checked() {
    let ok = "<Envelope><Body><SearchKnowledgeResponse><totCnt>3</totCnt><knwlList>\
              <knwlInfo><knwlId>KB-1</knwlId><clsfNm>여권</clsfNm><qstnCn>여권 재발급 절차</qstnCn>\
              <ansCn>답</ansCn><deptNm>민원여권과</deptNm><telno>031-980-2165</telno><scr>1210</scr>\
              </knwlInfo></knwlList></SearchKnowledgeResponse></Body></Envelope>";
    let resp = parse_response(ok, Operation::SearchKnowledge).unwrap();
    let (entries, total) = entries_from_response(&resp).unwrap();
    assert_eq!((entries.len(), total), (1, 3));
    assert_eq!((entries[0].id.as_str(), entries[0].score), ("KB-1", 1210.0));
    for broken in [
        ok.replace("<totCnt>3</totCnt>", ""),
        ok.replace(">3<", ">0<"),
        ok.replace(">1210<", ">NaN<"),
        ok.replace("<knwlId>KB-1</knwlId>", ""),
    ] {
        let resp = parse_response(&broken, Operation::SearchKnowledge).unwrap();
        assert_eq!(
            entries_from_response(&resp).unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }
}

/// Everything the response path can do with one body: parse, map, read knowledge.
fn exercise(xml: &str) {
    for op in Operation::ALL {
        match parse_response(xml, op) {
            Ok(resp) => {
                let _ = complaints_from_list(&resp);
                let _ = entries_from_response(&resp);
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
}

proptest! {
    #[test]
    fn reader_never_panics_on_arbitrary_text(s in ".{0,600}") {
        exercise(&s);
    }

    #[test]
    fn reader_never_panics_on_mutated_responses(
        cut in 0usize..2000, at in 0usize..2000, ch in any::<char>(), dup in 0usize..2000
    ) {
        let chars: Vec<char> = LIST.chars().collect();
        let mut s: Vec<char> = chars[..cut.min(chars.len())].to_vec();
        s.insert(at.min(s.len()), ch);
        let d = dup.min(s.len());
        let tail: Vec<char> = s[d..].iter().take(40).copied().collect();
        s.splice(d..d, tail);
        exercise(&s.into_iter().collect::<String>());
    }

    #[test]
    fn reader_refuses_deep_nesting_without_panicking(depth in 0usize..400, name in "[a-z]{1,4}") {
        let xml = format!(
            "<Envelope><Body><GetServerStatusResponse>{}{}</GetServerStatusResponse></Body></Envelope>",
            format!("<{name}>").repeat(depth),
            format!("</{name}>").repeat(depth),
        );
        let r = parse_response(&xml, Operation::GetServerStatus);
        prop_assert_eq!(r.is_ok(), depth + 3 <= crate::soap::MAX_DEPTH);
    }

    #[test]
    fn http_interpretation_always_classifies(
        status in prop_oneof![Just(200u16), Just(500), 100u16..600],
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Err(e) = interpret(Operation::GetCivilComplaintList, &raw(status, body)) {
            prop_assert!(!e.message.is_empty());
        }
    }
}

/// Pieces of SOAP documents, plain and not, for the quick scan against quick-xml.
const PIECES: &[&str] = &[
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">",
    "</soap:Envelope>",
    "<soap:Body>",
    "</soap:Body>",
    "<Body>",
    "</Body>",
    "<mw:a>",
    "</mw:a>",
    "<a x='1'>",
    "</a>",
    "<a/>",
    "<b />",
    "</b>",
    "<b>",
    "text",
    "가나",
    " ",
    "\n",
    "\r\n",
    "&amp;",
    "&#44032;",
    "&#0;",
    "&nope;",
    "&",
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<!DOCTYPE d>",
    "<?xml version=\"1.0\" encoding=\"EUC-KR\"?>",
    "<",
    ">",
    "\"",
    "<p:>",
    "</x:a>",
];

#[test]
fn the_quick_scan_reads_what_quick_xml_reads() {
    let outcome = |r: Result<crate::soap::Element, minwon_connector_sdk::ConnectorError>| {
        r.map_err(|e| (format!("{:?}", e.kind), e.message))
    };
    for doc in [
        LIST.to_string(),
        write_request(
            Operation::GetCivilComplaintList,
            "4157000000",
            &[("mnwnNo", "1 & 2")],
        ),
    ] {
        assert_eq!(
            outcome(crate::soap::parse_document(&doc)),
            outcome(crate::soap::parse_with_quick_xml(&doc))
        );
    }
}

proptest! {
    #[test]
    fn any_document_reads_as_quick_xml_reads_it(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..30),
    ) {
        let doc: String = pieces.concat();
        let outcome = |r: Result<crate::soap::Element, minwon_connector_sdk::ConnectorError>| {
            r.map_err(|e| (format!("{:?}", e.kind), e.message))
        };
        prop_assert_eq!(
            outcome(crate::soap::parse_document(&doc)),
            outcome(crate::soap::parse_with_quick_xml(&doc)),
            "{:?}", doc
        );
    }
}
