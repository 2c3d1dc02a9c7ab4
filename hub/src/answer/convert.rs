//! Domain → protobuf, in one place, with masking applied field by field as the policy decided.
//! Nothing leaves the hub as a `pb::Case` without passing through [`case`].

use crate::access::policy::{SourceAccess, Visibility};
use crate::fanout::{SourceOutcome, SourceState};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, KnowledgeEntry, PersonalField, mask};
use minwon_proto::v1 as pb;

/// A protobuf timestamp from a UTC time.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn kind(k: CaseKind) -> pb::CaseKind {
    match k {
        CaseKind::Complaint => pb::CaseKind::Complaint,
        CaseKind::TaxBill => pb::CaseKind::TaxBill,
        CaseKind::TrafficFine => pb::CaseKind::TrafficFine,
        CaseKind::WelfareApplication => pb::CaseKind::WelfareApplication,
        CaseKind::WaterBill => pb::CaseKind::WaterBill,
        CaseKind::ParkingTicket => pb::CaseKind::ParkingTicket,
        CaseKind::Other => pb::CaseKind::Other,
    }
}

fn status(s: CaseStatus) -> pb::CaseStatus {
    match s {
        CaseStatus::Received => pb::CaseStatus::Received,
        CaseStatus::InProgress => pb::CaseStatus::InProgress,
        CaseStatus::Completed => pb::CaseStatus::Completed,
        CaseStatus::Rejected => pb::CaseStatus::Rejected,
        CaseStatus::Unpaid => pb::CaseStatus::Unpaid,
        CaseStatus::Paid => pb::CaseStatus::Paid,
        CaseStatus::Overdue => pb::CaseStatus::Overdue,
        CaseStatus::ObjectionFiled => pb::CaseStatus::ObjectionFiled,
        CaseStatus::Cancelled => pb::CaseStatus::Cancelled,
        CaseStatus::Transferred => pb::CaseStatus::Transferred,
        CaseStatus::Unknown => pb::CaseStatus::Unspecified,
    }
}

/// Source state to the wire enum.
pub fn state(s: SourceState) -> pb::SourceState {
    match s {
        SourceState::Ok => pb::SourceState::Ok,
        SourceState::NotFound => pb::SourceState::NotFound,
        SourceState::Skipped => pb::SourceState::Skipped,
        SourceState::Timeout => pb::SourceState::Timeout,
        SourceState::CircuitOpen => pb::SourceState::CircuitOpen,
        SourceState::Unavailable => pb::SourceState::Unavailable,
        SourceState::Denied => pb::SourceState::Denied,
        SourceState::Error => pb::SourceState::Error,
    }
}

fn mask_account(v: &str) -> String {
    mask::keep_prefix(v, 3)
}

/// A case for the wire, personal fields shown as `access` allows.
pub fn case(c: Case, access: &SourceAccess) -> pb::Case {
    case_with(c, access, &mut PerAnswer::default())
}

/// What one answer works out once and reuses from case to case. The cases of an answer are
/// mostly about one citizen at one address, each carrying the same name, RRN, phone and
/// address, so each distinct value is masked once per answer (not once per case), and the
/// handling office is routed once per address (not by the directory's word-by-word walk per
/// case). It compares each value with the last one of its field, so a different value is
/// never answered from the memo. Held for one answer only and never logged (no `Debug`): it
/// holds personal data in clear.
#[derive(Default)]
pub struct PerAnswer {
    /// The last address routed and its office.
    office: Last,
    /// Per personal field (in [`PersonalField::ALL`] order): the last value masked, and its
    /// masked form.
    masked: [Last; PersonalField::ALL.len()],
}

/// The last input of a function and its output: one slot of [`PerAnswer`].
#[derive(Default)]
struct Last(Option<(String, String)>);

impl Last {
    /// `f(input)`, from the slot when `input` is its last input.
    fn get(&mut self, input: &str, f: impl FnOnce(&str) -> String) -> String {
        if let Some((seen, output)) = &self.0
            && seen == input
        {
            return output.clone();
        }
        let output = f(input);
        self.0 = Some((input.to_string(), output.clone()));
        output
    }
}

impl PerAnswer {
    /// The office whose area `address` lies in (empty when none does).
    fn office(&mut self, address: &str) -> String {
        self.office.get(address, |a| {
            crate::guidance::directory::Directory::builtin()
                .route(a)
                .map(|r| r.office.name.clone())
                .unwrap_or_default()
        })
    }

    /// `value` of `field` as `access` lets it leave: in clear, masked, or not at all.
    fn shown(
        &mut self,
        value: &Option<String>,
        field: PersonalField,
        access: &SourceAccess,
        masker: fn(&str) -> String,
    ) -> String {
        match (value, access.visibility(field)) {
            (None, _) | (_, Visibility::Hidden) => String::new(),
            (Some(v), Visibility::Clear) => v.clone(),
            (Some(v), Visibility::Masked) => self.masked[slot_of(field)].get(v, masker),
        }
    }
}

/// `field`'s place in [`PersonalField::ALL`].
fn slot_of(field: PersonalField) -> usize {
    match field {
        PersonalField::Name => 0,
        PersonalField::Rrn => 1,
        PersonalField::Phone => 2,
        PersonalField::Address => 3,
        PersonalField::VehicleNumber => 4,
        PersonalField::AccountNumber => 5,
    }
}

/// [`case`] for one of many cases of an answer, sharing `memo` between them.
pub fn case_with(c: Case, access: &SourceAccess, memo: &mut PerAnswer) -> pb::Case {
    let p = &c.personal;
    let clear_fields = PersonalField::ALL
        .iter()
        .filter(|f| access.visibility(**f) == Visibility::Clear)
        .filter(|f| personal_value(p, **f).is_some())
        .map(|f| f.as_str().to_string())
        .collect();
    let personal = pb::PersonalFields {
        name: memo.shown(&p.name, PersonalField::Name, access, mask::name),
        rrn: memo.shown(&p.rrn, PersonalField::Rrn, access, mask::rrn),
        phone: memo.shown(&p.phone, PersonalField::Phone, access, mask::phone),
        address: memo.shown(&p.address, PersonalField::Address, access, mask::address),
        vehicle_number: memo.shown(
            &p.vehicle_number,
            PersonalField::VehicleNumber,
            access,
            mask::vehicle_number,
        ),
        account_number: memo.shown(
            &p.account_number,
            PersonalField::AccountNumber,
            access,
            mask_account,
        ),
        clear_fields,
    };
    pb::Case {
        case_ref: c.case_ref(),
        source: c.source,
        kind: kind(c.kind) as i32,
        title: c.title,
        status: status(c.status) as i32,
        source_status: c.source_status,
        amount_krw: c.amount_krw.unwrap_or(0),
        has_amount: c.amount_krw.is_some(),
        opened_at: c.opened_at.map(timestamp),
        updated_at: c.updated_at.map(timestamp),
        due_date: c.due_date.map(|d| d.to_string()).unwrap_or_default(),
        department: c.department,
        contact: c.contact,
        attributes: c.attributes,
        // The office name is not personal data; the address itself is only read here.
        handling_office: p
            .address
            .as_deref()
            .map(|a| memo.office(a))
            .unwrap_or_default(),
        personal: Some(personal),
        attribute_labels: Default::default(),
    }
}

/// The labels of the attributes `case` carries, from its source's `descriptor` (`GetCase`'s and
/// `GetMyOverview`'s answers; a key the connector did not label is left out, for the screen to
/// show as is).
pub fn label_attributes(case: &mut pb::Case, descriptor: &minwon_connector_sdk::Descriptor) {
    case.attribute_labels = case
        .attributes
        .keys()
        .filter_map(|k| {
            let label = descriptor.attribute_labels.get(k)?;
            Some((k.clone(), label.clone()))
        })
        .collect();
}

fn personal_value(p: &minwon_connector_sdk::PersonalData, f: PersonalField) -> Option<&String> {
    match f {
        PersonalField::Name => p.name.as_ref(),
        PersonalField::Rrn => p.rrn.as_ref(),
        PersonalField::Phone => p.phone.as_ref(),
        PersonalField::Address => p.address.as_ref(),
        PersonalField::VehicleNumber => p.vehicle_number.as_ref(),
        PersonalField::AccountNumber => p.account_number.as_ref(),
    }
}

/// A source status for the wire; `department` is the source's owning department (its
/// descriptor's), empty when the registry does not have it.
pub fn source_status(
    o: &SourceOutcome,
    department: &str,
    lang: crate::api::Lang,
) -> pb::SourceStatus {
    pb::SourceStatus {
        source: o.source.clone(),
        department: department.to_string(),
        state: state(o.state) as i32,
        latency_ms: o.latency.as_millis().min(u32::MAX as u128) as u32,
        latency_us: o.latency.as_micros().min(u32::MAX as u128) as u32,
        detail: crate::api::i18n::source_detail(o.state, &o.detail, lang),
    }
}

/// A knowledge entry for the wire.
pub fn knowledge_entry(e: KnowledgeEntry) -> pb::KnowledgeEntry {
    pb::KnowledgeEntry {
        id: e.id,
        category: e.category,
        question: e.question,
        answer: e.answer,
        department: e.department,
        contact: e.contact,
        score: e.score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minwon_connector_sdk::PersonalData;
    use std::collections::BTreeMap;

    fn sample() -> Case {
        Case {
            source: "tax".into(),
            native_id: "B1".into(),
            kind: CaseKind::TaxBill,
            title: "자동차세".into(),
            status: CaseStatus::Unpaid,
            source_status: "미납".into(),
            amount_krw: Some(120_000),
            opened_at: None,
            updated_at: None,
            due_date: None,
            department: "세정과".into(),
            contact: "031-980-2114".into(),
            attributes: BTreeMap::new(),
            personal: PersonalData {
                name: Some("홍길동".into()),
                rrn: Some("900101-1234567".into()),
                phone: Some("010-1234-5678".into()),
                address: Some("경기도 김포시 사우동 12".into()),
                vehicle_number: Some("12가3456".into()),
                account_number: None,
            },
        }
    }

    fn access(v: Visibility) -> SourceAccess {
        SourceAccess {
            allowed: true,
            fields: PersonalField::ALL.iter().map(|f| (*f, v)).collect(),
            reason: "test".into(),
        }
    }

    #[test]
    fn masked_view_hides_every_value() {
        let pb = case(sample(), &access(Visibility::Masked));
        let p = pb.personal.unwrap();
        assert_eq!(p.name, "홍*동");
        assert_eq!(p.rrn, "900101-1******");
        assert_eq!(p.phone, "010-****-5678");
        assert_eq!(p.address, "경기도 김포시 사우동 ***");
        assert_eq!(p.vehicle_number, "12가****");
        assert!(p.clear_fields.is_empty());
        assert_eq!(pb.case_ref, "tax:B1");
    }

    #[test]
    fn the_handling_office_comes_from_the_address_even_when_it_is_hidden() {
        assert_eq!(
            case(sample(), &access(Visibility::Hidden)).handling_office,
            "사우동"
        );
        let mut road = sample();
        road.personal.address = Some("경기도 김포시 태장로 5".into());
        assert_eq!(
            case(road, &access(Visibility::Masked)).handling_office,
            "장기동"
        );
        let mut none = sample();
        none.personal.address = None;
        assert_eq!(case(none, &access(Visibility::Clear)).handling_office, "");
        let mut elsewhere = sample();
        elsewhere.personal.address = Some("서울특별시 강서구 화곡동 1".into());
        assert_eq!(
            case(elsewhere, &access(Visibility::Clear)).handling_office,
            ""
        );
    }

    #[test]
    fn one_answer_shares_its_office_lookups_and_each_address_gets_its_own() {
        let mut offices = PerAnswer::default();
        let open = access(Visibility::Clear);
        let mut road = sample();
        road.personal.address = Some("경기도 김포시 태장로 5".into());
        let mut none = sample();
        none.personal.address = None;
        let offices_of: Vec<String> = [sample(), sample(), road, none, sample()]
            .into_iter()
            .map(|c| case_with(c, &open, &mut offices).handling_office)
            .collect();
        assert_eq!(offices_of, ["사우동", "사우동", "장기동", "", "사우동"]);
    }

    #[test]
    fn one_answer_masks_each_value_once_and_never_answers_another_from_the_memo() {
        let mut memo = PerAnswer::default();
        let masked = access(Visibility::Masked);
        let mut other = sample();
        other.personal.name = Some("김철수".into());
        other.personal.rrn = Some("850505-2345678".into());
        other.personal.phone = None;
        let shown: Vec<(String, String, String)> = [sample(), other, sample()]
            .into_iter()
            .map(|c| {
                let p = case_with(c, &masked, &mut memo).personal.unwrap();
                (p.name, p.rrn, p.phone)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "홍*동".into(),
                    "900101-1******".into(),
                    "010-****-5678".into()
                ),
                ("김*수".into(), "850505-2******".into(), String::new()),
                (
                    "홍*동".into(),
                    "900101-1******".into(),
                    "010-****-5678".into()
                ),
            ]
        );
        // A source that shows the name in clear gets it in clear, memo or not.
        let p = case_with(sample(), &access(Visibility::Clear), &mut memo)
            .personal
            .unwrap();
        assert_eq!(p.name, "홍길동");
    }

    #[test]
    fn clear_and_hidden_views() {
        let p = case(sample(), &access(Visibility::Clear)).personal.unwrap();
        assert_eq!(p.rrn, "900101-1234567");
        assert_eq!(
            p.clear_fields,
            vec!["name", "rrn", "phone", "address", "vehicle_number"]
        );
        let p = case(sample(), &access(Visibility::Hidden))
            .personal
            .unwrap();
        assert_eq!(p, pb::PersonalFields::default());
    }
}
