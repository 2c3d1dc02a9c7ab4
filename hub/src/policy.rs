//! Authorization: what a principal may see, decided per source and per personal field.
//!
//! The defaults here are the ones a city signs off on: counselors see every source with
//! personal fields masked; an officer sees clear fields only for their own department's
//! source; the chatbot and SMS channels never receive personal fields; auditors and admins see
//! no case data. Every decision carries a reason for the access record. The decision shape
//! ([`SourceAccess`]) is what the rest of the hub consumes, so the rules can move into a policy
//! engine without touching the callers.

use crate::auth::{Channel, Principal, Role};
use crate::validate::PurposeCode;
use minwon_connector_sdk::{Descriptor, PersonalField};
use std::collections::BTreeMap;

/// How one personal field is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// In clear.
    Clear,
    /// Masked (e.g. `홍*동`).
    Masked,
    /// Not at all.
    Hidden,
}

/// The decision for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAccess {
    /// Whether the source may be queried.
    pub allowed: bool,
    /// Field visibility (fields not listed are hidden).
    pub fields: BTreeMap<PersonalField, Visibility>,
    /// Why, in a few words (for `detail` and the access record).
    pub reason: &'static str,
}

impl SourceAccess {
    /// No access (and no fields), for `reason`.
    pub fn deny(reason: &'static str) -> Self {
        SourceAccess {
            allowed: false,
            fields: BTreeMap::new(),
            reason,
        }
    }

    fn all(v: Visibility, reason: &'static str) -> Self {
        SourceAccess {
            allowed: true,
            fields: PersonalField::ALL.iter().map(|f| (*f, v)).collect(),
            reason,
        }
    }

    /// Visibility of `field`.
    pub fn visibility(&self, field: PersonalField) -> Visibility {
        self.fields
            .get(&field)
            .copied()
            .unwrap_or(Visibility::Hidden)
    }

    /// Fields shown in clear, by name.
    pub fn clear_fields(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|(_, v)| **v == Visibility::Clear)
            .map(|(f, _)| f.as_str())
            .collect()
    }
}

/// Whether the role may look at citizen cases at all, and why not.
pub fn case_access_refusal(p: &Principal, purpose: PurposeCode) -> Option<&'static str> {
    match p.role {
        Role::Auditor => return Some("auditors review the access trail, not case data"),
        Role::Admin => return Some("admins manage connectors, not case data"),
        Role::Counselor | Role::Officer | Role::Chatbot => {}
    }
    match purpose {
        PurposeCode::CitizenInquiry | PurposeCode::CaseHandling | PurposeCode::PaymentGuidance => {
            None
        }
        PurposeCode::AuditReview | PurposeCode::SystemOperation => {
            Some("the purpose does not fit a look-up of citizen cases")
        }
    }
}

/// The decision for one source, for a principal allowed case access.
pub fn source_access(p: &Principal, _purpose: PurposeCode, source: &Descriptor) -> SourceAccess {
    if matches!(p.channel, Channel::Chatbot | Channel::Sms) || p.role == Role::Chatbot {
        return SourceAccess::all(
            Visibility::Hidden,
            "chatbot and SMS channels receive no personal fields",
        );
    }
    match p.role {
        Role::Officer => {
            let own = p
                .department
                .as_deref()
                .is_some_and(|d| d == source.name || d == source.department);
            if own {
                SourceAccess::all(Visibility::Clear, "officer of the owning department")
            } else {
                SourceAccess::all(Visibility::Masked, "officer of another department: masked")
            }
        }
        Role::Counselor => SourceAccess::all(Visibility::Masked, "counselor: masked"),
        Role::Chatbot | Role::Auditor | Role::Admin => {
            SourceAccess::deny("role may not see case data")
        }
    }
}

/// Whether the role may use the connector admin service.
pub fn may_administer(p: &Principal) -> bool {
    p.role == Role::Admin
}

/// Whether the role may read the access trail.
pub fn may_audit(p: &Principal) -> bool {
    p.role == Role::Auditor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, dept: Option<&str>, channel: Channel) -> Principal {
        Principal {
            account: "a".into(),
            role,
            department: dept.map(str::to_string),
            channel,
            client_address: "127.0.0.1".into(),
        }
    }

    fn tax() -> Descriptor {
        Descriptor {
            name: "tax".into(),
            department: "세정과".into(),
            kind: "portal-xml".into(),
            base_url: String::new(),
            accepts: vec![],
            personal_fields: vec![],
        }
    }

    #[test]
    fn counselor_masked_officer_clear_only_for_own_department() {
        let c = source_access(
            &principal(Role::Counselor, None, Channel::Phone),
            PurposeCode::CitizenInquiry,
            &tax(),
        );
        assert_eq!(c.visibility(PersonalField::Name), Visibility::Masked);
        assert!(c.clear_fields().is_empty());
        let own = source_access(
            &principal(Role::Officer, Some("세정과"), Channel::Web),
            PurposeCode::CaseHandling,
            &tax(),
        );
        assert_eq!(own.visibility(PersonalField::Rrn), Visibility::Clear);
        let other = source_access(
            &principal(Role::Officer, Some("도로과"), Channel::Web),
            PurposeCode::CaseHandling,
            &tax(),
        );
        assert_eq!(other.visibility(PersonalField::Rrn), Visibility::Masked);
    }

    #[test]
    fn chatbot_and_sms_get_no_personal_fields() {
        for (role, ch) in [
            (Role::Chatbot, Channel::Chatbot),
            (Role::Counselor, Channel::Sms),
        ] {
            let a = source_access(
                &principal(role, None, ch),
                PurposeCode::CitizenInquiry,
                &tax(),
            );
            assert!(a.allowed);
            assert!(
                PersonalField::ALL
                    .iter()
                    .all(|f| a.visibility(*f) == Visibility::Hidden)
            );
        }
    }

    #[test]
    fn auditors_admins_and_wrong_purposes_are_refused() {
        assert!(
            case_access_refusal(
                &principal(Role::Auditor, None, Channel::Web),
                PurposeCode::CitizenInquiry
            )
            .is_some()
        );
        assert!(
            case_access_refusal(
                &principal(Role::Admin, None, Channel::Web),
                PurposeCode::CitizenInquiry
            )
            .is_some()
        );
        assert!(
            case_access_refusal(
                &principal(Role::Counselor, None, Channel::Phone),
                PurposeCode::SystemOperation
            )
            .is_some()
        );
        assert!(
            case_access_refusal(
                &principal(Role::Counselor, None, Channel::Phone),
                PurposeCode::PaymentGuidance
            )
            .is_none()
        );
    }

    const CHANNELS: [Channel; 5] = [
        Channel::Phone,
        Channel::Sms,
        Channel::Chatbot,
        Channel::Dong,
        Channel::Web,
    ];
    const PURPOSES: [PurposeCode; 5] = [
        PurposeCode::CitizenInquiry,
        PurposeCode::CaseHandling,
        PurposeCode::PaymentGuidance,
        PurposeCode::AuditReview,
        PurposeCode::SystemOperation,
    ];

    /// Every role × channel × purpose against the rules the defaults promise.
    #[test]
    fn every_combination_keeps_the_default_promises() {
        let saeol = Descriptor {
            name: "saeol".into(),
            department: "민원여권과".into(),
            ..tax()
        };
        for role in Role::ALL {
            for channel in CHANNELS {
                for purpose in PURPOSES {
                    let p = principal(role, (role == Role::Officer).then_some("세정과"), channel);
                    let refused = case_access_refusal(&p, purpose);
                    let combo = format!("{role:?}/{channel:?}/{purpose:?}");
                    // Auditors and admins never see case data; neither does an unfitting purpose.
                    if matches!(role, Role::Auditor | Role::Admin)
                        || matches!(
                            purpose,
                            PurposeCode::AuditReview | PurposeCode::SystemOperation
                        )
                    {
                        assert!(refused.is_some(), "{combo} must be refused");
                        continue;
                    }
                    assert!(refused.is_none(), "{combo} must be allowed");
                    for (src, own) in [(tax(), true), (saeol.clone(), false)] {
                        let a = source_access(&p, purpose, &src);
                        assert!(a.allowed, "{combo}");
                        for f in PersonalField::ALL {
                            let v = a.visibility(f);
                            if matches!(channel, Channel::Sms | Channel::Chatbot)
                                || role == Role::Chatbot
                            {
                                assert_eq!(
                                    v,
                                    Visibility::Hidden,
                                    "{combo}: no personal fields on SMS/chatbot"
                                );
                            } else if role == Role::Officer && own {
                                assert_eq!(
                                    v,
                                    Visibility::Clear,
                                    "{combo}: officer, own department"
                                );
                            } else {
                                assert_eq!(v, Visibility::Masked, "{combo} {}: masked", src.name);
                            }
                        }
                    }
                }
            }
        }
    }
}
