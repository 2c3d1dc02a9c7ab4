//! What one back-end answer costs to read: each connector's representative answer (twelve
//! records, the shapes its simulator serves) parsed and mapped to cases `N` times, with no
//! network, runtime or hub around it — the CPU the connector itself spends per call.
//!
//! Not a timing benchmark: run it under `valgrind --tool=callgrind` (instructions are
//! repeatable on a shared machine) once with `N = 1` and once with a larger `N`; the
//! difference divided by the extra iterations is the instruction count of one parse, setup
//! excluded. See BENCHMARKS.md, "Connector parsing cost (issue 15)".
//!
//! `cargo bench -p minwon-connector-sdk --bench parse_cost -- <connector|all> <N>`

use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::{Case, ConnectorError};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::hint::black_box;

/// Records per answer: an overview's twelve cases.
const RECORDS: usize = 12;
const DEPT: &str = "민원여권과";

fn raw(content_type: &str, body: Vec<u8>) -> RawResponse {
    RawResponse {
        status: 200,
        content_type: Some(content_type.to_string()),
        retry_after: None,
        body,
    }
}

fn json_raw(v: &Value) -> RawResponse {
    raw(
        "application/json",
        serde_json::to_vec(v).expect("a JSON value serializes"),
    )
}

fn water_body() -> RawResponse {
    let bills: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({
                "billNo": format!("W-2026{:02}-{:06}", 12 - i % 12, i), "billingMonth": format!("2026-{:02}", 12 - i % 12),
                "usageM3": 18 + i, "waterAmount": 13_500, "sewageAmount": 10_080, "waterUseCharge": 3_060,
                "totalAmount": 26_640, "issueDate": "2026-11-05", "dueDate": "2026-11-30",
                "paidDate": if i % 2 == 0 { Value::Null } else { json!("2026-11-20") },
                "status": if i % 2 == 0 { "자동이체예정" } else { "납부완료" }, "autoDebit": true,
                "officeName": "수도과", "officeTel": "031-980-5421"
            })
        })
        .collect();
    json_raw(&json!({
        "result": {"code": "0000", "message": "정상 처리되었습니다"},
        "customer": {"customerNo": "201412345678", "customerName": "김민서",
            "serviceAddress": "경기도 김포시 사우동 사우중로 12", "usageType": "가정용"},
        "bills": bills
    }))
}

fn parking_body() -> RawResponse {
    let items: Vec<Value> = (0..RECORDS)
        .map(|i| {
            let towed = i % 4 == 3;
            json!({
                "ticketNo": format!("41570-PK-2026-{:08}", 101 + i),
                "category": if towed { "towing" } else { "violation" },
                "vehicleNo": "12가3456", "ownerName": "김민서",
                "violationType": "소화전 5m 이내 주정차", "place": "김포시 사우동 사우중로 12 앞",
                "district": "사우동", "violatedAt": "2026-11-03T08:41:00+09:00", "amount": 80000,
                "dueDate": "2026-11-28", "status": if towed { "견인보관중" } else { "사전통지" },
                "statusChangedAt": "2026-11-05T09:00:00+09:00", "department": "주차관리과",
                "contact": "031-980-5432",
                "towing": if towed { json!({"lotName": "풍무동 견인보관소", "lotAddress": "김포시 풍무동 풍무로 60",
                    "lotPhone": "031-980-5671", "towedAt": "2026-12-14T10:20:00+09:00"}) } else { Value::Null }
            })
        })
        .collect();
    json_raw(&json!({"items": items, "nextCursor": null}))
}

fn welfare_body() -> RawResponse {
    let benefits: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({
                "applicationNo": format!("WF-2025-{:08}", 101 + i), "benefitCode": "BASIC_PENSION",
                "benefitName": "기초연금", "status": "지급중", "applicationDate": "2025-03-14",
                "decisionDate": "2025-04-02", "monthlyAmount": 342510, "nextPaymentDate": "2026-12-25",
                "bankName": "농협은행", "accountNo": "302-1234-5678-91", "deptName": "노인복지과",
                "deptTel": "031-980-2281", "updatedAt": "2026-11-25T10:15:00+09:00"
            })
        })
        .collect();
    json_raw(&json!({
        "result": {"code": "0000", "message": "정상"},
        "data": {"applicant": {"name": "김민서", "phone": "010-2345-6789",
            "address": "경기도 김포시 사우동 사우중로 1"}, "benefits": benefits}
    }))
}

fn template_body() -> RawResponse {
    let bookings: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({
                "bookingNo": format!("LW-2026-{:06}", 301 + i), "applicantName": "김민서",
                "applicantPhone": "010-2345-6789", "collectionAddress": "경기도 김포시 사우동 사우중로 12",
                "items": [{"itemName": "장롱", "spec": "폭 1m 이상", "quantity": 1, "fee": 10000},
                          {"itemName": "의자", "quantity": 2, "fee": 4000}],
                "totalFee": 14000, "appliedDate": "2026-12-14", "collectionDate": "2026-12-18",
                "status": "수거예정", "deptName": "환경과", "deptTel": "031-980-2631"
            })
        })
        .collect();
    json_raw(&json!({"result": {"code": "0000", "message": "정상"}, "bookings": bookings}))
}

fn portal_body(item: impl Fn(usize) -> Vec<(&'static str, String)>) -> RawResponse {
    let items: Vec<_> = (0..RECORDS).map(item).collect();
    let xml = minwon_connector_sdk::portal::write_page(&items, 100, 1, RECORDS as u32);
    raw("application/xml;charset=UTF-8", xml.into_bytes())
}

fn tax_body() -> RawResponse {
    portal_body(|i| {
        [
            ("taxBillNo", format!("41570-2026-{:08}", 312 + i)),
            ("taxItemNm", "자동차세".into()),
            ("taxYr", "2026".into()),
            ("levyPrdNm", "1기".into()),
            ("taxpayerNm", "김민서".into()),
            ("vhclNo", "12가3456".into()),
            ("taxAmt", "234,560".into()),
            ("levyDe", "20260610".into()),
            ("dueDe", "20260630".into()),
            ("sttusNm", "미납".into()),
            ("deptNm", "세정과".into()),
            ("deptTelno", "031-980-2143".into()),
            ("vrtlAcntBankNm", "농협은행".into()),
            ("vrtlAcntNo", "79012345678901".into()),
        ]
        .into()
    })
}

fn traffic_body() -> RawResponse {
    portal_body(|i| {
        [
            ("fineNo", format!("41570-2026-TF{:08}", 101 + i)),
            ("fineSeNm", "과태료".into()),
            ("vioTypeNm", "과속".into()),
            ("crdnEqpmntNm", "고정식 과속 카메라".into()),
            ("lmtSpd", "60".into()),
            ("drvSpd", "78".into()),
            (
                "vioPlcNm",
                "경기도 김포시 사우동 김포대로 사우사거리".into(),
            ),
            ("vioDt", "20261003143512".into()),
            ("vhclNo", "12가3456".into()),
            ("ownrNm", "김민서".into()),
            ("ownrAddr", "경기도 김포시 사우동 사우중로 12".into()),
            ("fineAmt", "40,000".into()),
            ("ntcDe", "20261012".into()),
            ("dueDe", "20261111".into()),
            ("sttusNm", "부과".into()),
            ("deptNm", "교통행정과".into()),
            ("deptTelno", "031-980-2583".into()),
        ]
        .into()
    })
}

fn saeol_body() -> RawResponse {
    use minwon_connector_saeol::schema::{CONTENT_TYPE, Operation};
    let xml = minwon_connector_saeol::soap::write_response(Operation::GetCivilComplaintList, |w| {
        w.leaf("resultCnt", &RECORDS.to_string()).start("mnwnList");
        for i in 0..RECORDS {
            w.start("mnwnInfo")
                .leaf("mnwnNo", &format!("2026-{:07}", 1201 + i))
                .leaf("mnwnTtl", "사우동 보도블록 파손 보수 요청")
                .leaf("mnwnClsfNm", "도로")
                .leaf("prcsSttsNm", "처리중")
                .leaf("rcptDt", "20261103091500")
                .leaf("prcsDt", "")
                .leaf("prcsDdlnDt", "20261117")
                .leaf("prcsDeptNm", "도로관리과")
                .leaf("chrgTelno", "031-980-2451")
                .leaf("rcptPathNm", "전화")
                .leaf("aplcntNm", "김민서")
                .leaf("aplcntTelno", "010-2345-6789")
                .leaf("aplcntAddr", "경기도 김포시 사우동 사우중로 12")
                .end("mnwnInfo");
        }
        w.end("mnwnList");
    });
    raw(
        CONTENT_TYPE,
        minwon_connector_sdk::encoding::encode_euc_kr(&xml),
    )
}

/// One connector's answer read the way the connector reads it: body to cases.
type Reader = fn(&RawResponse) -> Result<Vec<Case>, ConnectorError>;

fn read_water(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    use minwon_connector_water::{answer::read_answer, connector::search_result};
    search_result(read_answer(raw), "201412345678", DEPT)
}

fn read_parking(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    use minwon_connector_parking::{connector::read_page, mapping::item_to_case};
    let page = read_page(raw)?;
    page.items.iter().map(|i| item_to_case(i, DEPT)).collect()
}

fn read_welfare(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    minwon_connector_welfare::connector::handle_search(raw, DEPT)
}

fn read_template(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    use minwon_connector_template::{answer::read_answer, connector::search_result};
    search_result(read_answer(raw), DEPT)
}

fn read_tax(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    let page = minwon_connector_sdk::portal::read_page(raw)?;
    minwon_connector_tax::connector::items_to_cases(&page.items, DEPT)
}

fn read_traffic(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    let page = minwon_connector_sdk::portal::read_page(raw)?;
    let mut seen = HashSet::new();
    minwon_connector_traffic::connector::items_to_cases(
        &page.items,
        DEPT,
        Some("12가3456"),
        &mut seen,
    )
}

fn read_saeol(raw: &RawResponse) -> Result<Vec<Case>, ConnectorError> {
    use minwon_connector_saeol::schema::Operation;
    use minwon_connector_saeol::{connector::interpret, mapping::complaints_from_list};
    complaints_from_list(&interpret(Operation::GetCivilComplaintList, raw)?)
}

/// A connector's representative answer.
type Body = fn() -> RawResponse;

const CONNECTORS: [(&str, Body, Reader); 7] = [
    ("water", water_body, read_water),
    ("parking", parking_body, read_parking),
    ("welfare", welfare_body, read_welfare),
    ("template", template_body, read_template),
    ("tax", tax_body, read_tax),
    ("traffic", traffic_body, read_traffic),
    ("saeol", saeol_body, read_saeol),
];

fn main() {
    // `cargo bench` passes `--bench`; only the free arguments count.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let which = args.first().map_or("all", String::as_str);
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    let mut ran = false;
    for (name, body, read) in CONNECTORS {
        if which != "all" && which != name {
            continue;
        }
        ran = true;
        let raw = body();
        let mut cases = 0;
        for _ in 0..n {
            match read(black_box(&raw)) {
                Ok(c) => cases += black_box(c).len(),
                Err(e) => {
                    eprintln!("{name}: the representative answer did not parse: {e}");
                    std::process::exit(1);
                }
            }
        }
        println!(
            "{name}: {} bytes, {n} parse(s), {cases} cases",
            raw.body.len()
        );
    }
    if !ran {
        eprintln!(
            "unknown connector {which:?}; one of water, parking, welfare, template, tax, traffic, saeol, all"
        );
        std::process::exit(2);
    }
}
