//! Whom an access record names: every data subject an answer may be about, pseudonymized
//! (kind, HMAC, masked form), and never a caller's text.
//!
//! - An overview names every key of the query ([`SubjectKey::subjects_for_keys`]): keys may
//!   belong to different people, and each one's cases are in the answer.
//! - `GetCase` names the citizen of the case the back-end returned ([`of_case`]); before the
//!   case is seen (denied, or the source failed) only the reference is known, named by
//!   [`of_case_ref`] with a fixed masked form, since the reference is caller text and may be
//!   anything, an RRN included.
//! - An auditor's query names the subjects it searches for ([`of_audit_query`]).

use minwon_audit::{CASE_REF_KIND, Subject, SubjectKey};
use minwon_connector_sdk::{
    KeyError, KeyKind, Rrn, VehicleNumber, WaterCustomerNo, model::PersonalData,
};
use minwon_proto::v1 as pb;
use tonic::Status;

/// Masked form of a key a back-end returned that does not parse: the record still names the
/// subject (by HMAC of the value as returned), but shows nothing of it.
pub const UNREADABLE_MASKED: &str = "(unreadable)";

/// Masked form of a case reference after the source name: fixed, whatever the caller sent.
pub const CASE_REF_MASKED: &str = "****";

/// The data subjects of a case as the back-end returned it: its RRN and its vehicle number,
/// when it carries them; none when it carries no citizen key.
pub fn of_case(key: &SubjectKey, personal: &PersonalData) -> Vec<Subject> {
    let mut out = Vec::new();
    if let Some(raw) = personal.rrn.as_deref() {
        out.push(match Rrn::parse(raw) {
            Ok(rrn) => key.subject_for_rrn(&rrn),
            Err(_) => unreadable(key, KeyKind::Rrn, raw),
        });
    }
    if let Some(raw) = personal.vehicle_number.as_deref() {
        out.push(match VehicleNumber::parse(raw) {
            Ok(v) => key.subject_for_vehicle(&v),
            Err(_) => unreadable(key, KeyKind::VehicleNumber, raw),
        });
    }
    out
}

fn unreadable(key: &SubjectKey, kind: KeyKind, raw: &str) -> Subject {
    key.subject_for(kind.as_str(), raw.trim(), UNREADABLE_MASKED.to_string())
}

/// The subject of a case reference whose case was not seen: kind `case_ref`, the HMAC of the
/// reference (so an auditor holding the key can find the attempts on one reference), and
/// `<source>:****` to read; `source` is a registry name, never the caller's text.
pub fn of_case_ref(key: &SubjectKey, source: &str, case_ref: &str) -> Subject {
    key.subject_for(
        CASE_REF_KIND,
        case_ref,
        format!("{source}:{CASE_REF_MASKED}"),
    )
}

/// The subjects an auditor's query searches for, each validated like the overview's keys:
/// INVALID_ARGUMENT naming the field and the rule, never the value.
pub fn of_audit_query(
    key: &SubjectKey,
    r: &pb::QueryAccessRecordsRequest,
) -> Result<Vec<Subject>, Status> {
    let invalid = |field: &str, e: KeyError| super::status::invalid(field, e.reason);
    let mut out = Vec::new();
    if !r.subject_rrn.is_empty() {
        let rrn = Rrn::parse(&r.subject_rrn).map_err(|e| invalid("subject_rrn", e))?;
        out.push(key.subject_for_rrn(&rrn));
    }
    if !r.subject_vehicle_number.is_empty() {
        let v = VehicleNumber::parse(&r.subject_vehicle_number)
            .map_err(|e| invalid("subject_vehicle_number", e))?;
        out.push(key.subject_for_vehicle(&v));
    }
    if !r.subject_water_customer_no.is_empty() {
        let w = WaterCustomerNo::parse(&r.subject_water_customer_no)
            .map_err(|e| invalid("subject_water_customer_no", e))?;
        out.push(key.subject_for_water(&w));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SubjectKey {
        SubjectKey::from_bytes(&[9; 32]).unwrap()
    }

    #[test]
    fn a_case_names_the_keys_it_carries_and_none_without() {
        let k = key();
        let personal = PersonalData {
            rrn: Some("9001011234567".into()),
            vehicle_number: Some("12가3456".into()),
            name: Some("홍길동".into()),
            ..PersonalData::default()
        };
        let subjects = of_case(&k, &personal);
        assert_eq!(subjects.len(), 2);
        // The same subject an overview by that RRN names, so one query finds both.
        let rrn = Rrn::parse("900101-1234567").unwrap();
        assert_eq!(subjects[0], k.subject_for_rrn(&rrn));
        assert_eq!(subjects[1].kind, "vehicle_number");
        assert!(of_case(&k, &PersonalData::default()).is_empty());
    }

    #[test]
    fn an_unreadable_key_is_named_but_not_shown() {
        let personal = PersonalData {
            rrn: Some("900101-12345".into()),
            ..PersonalData::default()
        };
        let subjects = of_case(&key(), &personal);
        assert_eq!(subjects.len(), 1);
        assert_eq!(subjects[0].kind, "rrn");
        assert_eq!(subjects[0].masked, UNREADABLE_MASKED);
    }

    #[test]
    fn a_case_ref_shows_only_the_source() {
        let s = of_case_ref(&key(), "tax", "tax:900101-1234567");
        assert_eq!(s.kind, "case_ref");
        assert_eq!(s.masked, "tax:****");
        assert!(!s.hmac.contains("1234567"));
        assert_ne!(s, of_case_ref(&key(), "tax", "tax:T-1"));
    }

    #[test]
    fn audit_query_keys_are_validated_without_echoing_them() {
        let k = key();
        let q = pb::QueryAccessRecordsRequest {
            subject_vehicle_number: "12가3456".into(),
            subject_water_customer_no: "2024-000123".into(),
            ..Default::default()
        };
        let subjects = of_audit_query(&k, &q).unwrap();
        let kinds: Vec<&str> = subjects.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["vehicle_number", "water_customer_no"]);
        for (field, bad) in [
            ("subject_vehicle_number", "9999XYZ"),
            ("subject_water_customer_no", "12a45"),
            ("subject_rrn", "900101-12345"),
        ] {
            let mut q = pb::QueryAccessRecordsRequest::default();
            match field {
                "subject_vehicle_number" => q.subject_vehicle_number = bad.into(),
                "subject_water_customer_no" => q.subject_water_customer_no = bad.into(),
                _ => q.subject_rrn = bad.into(),
            }
            let e = of_audit_query(&k, &q).unwrap_err();
            assert_eq!(e.code(), tonic::Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{}", e.message());
            assert!(!e.message().contains(bad), "{}", e.message());
        }
    }
}
