//! Input validation for every RPC: citizen keys, purpose, source names, string lengths.
//! Errors are `INVALID_ARGUMENT` naming the field and the rule — never the value, which may be
//! personal data.

use minwon_connector_sdk::CitizenKeys;
use minwon_proto::v1 as pb;

/// Longest purpose note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most source names in one query.
pub const MAX_SOURCES: usize = 32;

/// Why the caller looks (domain form of `minwon.v1.PurposeCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurposeCode {
    /// Answering the citizen's own inquiry.
    CitizenInquiry,
    /// Handling the case as the responsible department.
    CaseHandling,
    /// Explaining a bill, fine or payment.
    PaymentGuidance,
    /// Reviewing access (auditors).
    AuditReview,
    /// Operating the system.
    SystemOperation,
    /// A verified citizen's look at their own data (set by SelfService only).
    SelfService,
}

impl PurposeCode {
    /// Stable lower-case name, as written in access records.
    pub fn as_str(self) -> &'static str {
        match self {
            PurposeCode::CitizenInquiry => "citizen_inquiry",
            PurposeCode::CaseHandling => "case_handling",
            PurposeCode::PaymentGuidance => "payment_guidance",
            PurposeCode::AuditReview => "audit_review",
            PurposeCode::SystemOperation => "system_operation",
            PurposeCode::SelfService => "self_service",
        }
    }

    /// From the wire enum; `None` for UNSPECIFIED or unknown numbers.
    pub fn from_pb(v: i32) -> Option<Self> {
        match pb::PurposeCode::try_from(v).ok()? {
            pb::PurposeCode::Unspecified => None,
            pb::PurposeCode::CitizenInquiry => Some(PurposeCode::CitizenInquiry),
            pb::PurposeCode::CaseHandling => Some(PurposeCode::CaseHandling),
            pb::PurposeCode::PaymentGuidance => Some(PurposeCode::PaymentGuidance),
            pb::PurposeCode::AuditReview => Some(PurposeCode::AuditReview),
            pb::PurposeCode::SystemOperation => Some(PurposeCode::SystemOperation),
            pb::PurposeCode::SelfService => Some(PurposeCode::SelfService),
        }
    }
}

/// A validated purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    /// The code.
    pub code: PurposeCode,
    /// Free text (e.g. a ticket number), at most [`MAX_NOTE_CHARS`].
    pub note: String,
}

/// A validated citizen query.
#[derive(Debug, Clone)]
pub struct ValidQuery {
    /// Keys, parsed.
    pub keys: CitizenKeys,
    /// Purpose.
    pub purpose: Purpose,
    /// Sources asked for (empty = all), known names only.
    pub sources: Vec<String>,
}

/// An input that breaks a rule: the field's path and the rule, never the value (it may be an
/// RRN). `api::status` makes it INVALID_ARGUMENT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Invalid {
    /// The field's path, e.g. `citizen.rrn`.
    pub field: String,
    /// What is wrong, phrased so a person can fix it.
    pub rule: String,
}

impl Invalid {
    /// `field` breaks `rule`.
    pub fn new(field: &str, rule: impl Into<String>) -> Self {
        Invalid {
            field: field.to_string(),
            rule: rule.into(),
        }
    }
}

fn invalid(field: &str, rule: &str) -> Invalid {
    Invalid::new(field, rule)
}

/// Validates a purpose; it is required wherever personal data may be revealed.
pub fn purpose(p: Option<&pb::Purpose>) -> Result<Purpose, Invalid> {
    let p = p.ok_or_else(|| invalid("purpose", "required: say why you look (purpose.code)"))?;
    let code = PurposeCode::from_pb(p.code)
        .ok_or_else(|| invalid("purpose.code", "required: one of the PurposeCode values"))?;
    if code == PurposeCode::SelfService {
        return Err(invalid(
            "purpose.code",
            "PURPOSE_CODE_SELF_SERVICE is set by minwon.v1.SelfService only",
        ));
    }
    if p.note.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid("purpose.note", "at most 500 characters"));
    }
    if p.note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "purpose.note",
            "must not contain control characters",
        ));
    }
    Ok(Purpose {
        code,
        note: p.note.clone(),
    })
}

/// Validates the sources a query asks for (empty = all): known names only, no duplicates.
pub fn sources(asked: &[String], known_sources: &[&str]) -> Result<Vec<String>, Invalid> {
    if asked.len() > MAX_SOURCES {
        return Err(invalid("sources", "at most 32 names"));
    }
    let mut sources = Vec::new();
    for s in asked {
        if !known_sources.contains(&s.as_str()) {
            // Source names are not personal data; showing the bad one helps the caller.
            let shown: String = s.chars().take(40).collect();
            return Err(Invalid::new(
                "sources",
                format!(
                    "unknown source {shown:?}; known sources: {}",
                    known_sources.join(", ")
                ),
            ));
        }
        if !sources.contains(s) {
            sources.push(s.clone());
        }
    }
    Ok(sources)
}

/// Validates a citizen query against the known source names.
pub fn citizen_query(q: &pb::CitizenQuery, known_sources: &[&str]) -> Result<ValidQuery, Invalid> {
    let c = q.citizen.as_ref().ok_or_else(|| {
        invalid(
            "citizen",
            "required: give rrn, vehicle_numbers or water_customer_no",
        )
    })?;
    let keys = CitizenKeys::parse(&c.rrn, &c.vehicle_numbers, &c.water_customer_no)
        .map_err(|e| invalid(e.field, e.reason))?;
    if keys.is_empty() {
        return Err(invalid(
            "citizen",
            "give at least one of rrn, vehicle_numbers, water_customer_no",
        ));
    }
    let purpose = purpose(q.purpose.as_ref())?;
    let sources = sources(&q.sources, known_sources)?;
    Ok(ValidQuery {
        keys,
        purpose,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(rrn: &str) -> pb::CitizenQuery {
        pb::CitizenQuery {
            citizen: Some(pb::CitizenKeys {
                rrn: rrn.into(),
                ..Default::default()
            }),
            purpose: Some(pb::Purpose {
                code: pb::PurposeCode::CitizenInquiry as i32,
                note: "call 123".into(),
            }),
            sources: vec![],
            filter: None,
        }
    }

    #[test]
    fn bad_rrn_names_the_field_not_the_value() {
        let e = citizen_query(&query("901399-1234567"), &["saeol"]).unwrap_err();
        assert_eq!(e.field, "citizen.rrn");
        assert!(!e.to_string().contains("901399"));
        let status = tonic::Status::from(e);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().starts_with("citizen.rrn"));
    }

    #[test]
    fn purpose_is_required() {
        let mut q = query("900101-1234567");
        q.purpose = None;
        assert!(
            citizen_query(&q, &[])
                .unwrap_err()
                .to_string()
                .starts_with("purpose")
        );
        q.purpose = Some(pb::Purpose::default());
        assert!(
            citizen_query(&q, &[])
                .unwrap_err()
                .to_string()
                .starts_with("purpose.code")
        );
    }

    #[test]
    fn unknown_sources_listed() {
        let mut q = query("900101-1234567");
        q.sources = vec!["saeol".into(), "nope".into()];
        let e = citizen_query(&q, &["saeol", "tax"]).unwrap_err();
        assert!(e.to_string().contains("known sources: saeol, tax"));
    }

    #[test]
    fn no_keys_at_all() {
        let e = citizen_query(&query(""), &[]).unwrap_err();
        assert!(e.to_string().starts_with("citizen"));
    }
}
