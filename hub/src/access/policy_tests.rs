//! Tests of [`super`].

use super::*;
use crate::access::auth::Channel;

fn policy() -> &'static Policy {
    static P: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    P.get_or_init(|| Policy::default_policy().expect("the default policy validates"))
}

fn source_access(p: &Principal, purpose: PurposeCode, d: &Descriptor) -> Arc<SourceAccess> {
    policy().source_access(p, purpose, d)
}

fn case_access_refusal(p: &Principal, purpose: PurposeCode) -> Option<String> {
    policy().case_access_refusal(p, purpose, &tax())
}

fn principal(role: Role, dept: Option<&str>, channel: Channel) -> Principal {
    Principal {
        account: "a".into(),
        role,
        department: dept.map(str::to_string),
        channel,
        client_address: "127.0.0.1".into(),
        citizen: None,
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
        attribute_labels: Default::default(),
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
    for (role, ch, purpose) in [
        (Role::Chatbot, Channel::Chatbot, PurposeCode::SelfService),
        (Role::Sms, Channel::Sms, PurposeCode::SelfService),
        (Role::Counselor, Channel::Sms, PurposeCode::CitizenInquiry),
    ] {
        let a = source_access(&principal(role, None, ch), purpose, &tax());
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
const PURPOSES: [PurposeCode; 6] = [
    PurposeCode::CitizenInquiry,
    PurposeCode::CaseHandling,
    PurposeCode::PaymentGuidance,
    PurposeCode::AuditReview,
    PurposeCode::SystemOperation,
    PurposeCode::SelfService,
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
                // Auditors and admins never see case data; neither does an unfitting purpose;
                // the chatbot, the SMS gateway and citizens look up no one by arbitrary keys,
                // only through SelfService; staff never claim self-service.
                let self_service_role = matches!(role, Role::Chatbot | Role::Sms | Role::Citizen);
                if matches!(role, Role::Auditor | Role::Admin)
                    || matches!(
                        purpose,
                        PurposeCode::AuditReview | PurposeCode::SystemOperation
                    )
                    || self_service_role != (purpose == PurposeCode::SelfService)
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
                            || matches!(role, Role::Chatbot | Role::Sms)
                        {
                            assert_eq!(
                                v,
                                Visibility::Hidden,
                                "{combo}: no personal fields on SMS/chatbot"
                            );
                        } else if role == Role::Officer && own {
                            assert_eq!(v, Visibility::Clear, "{combo}: officer, own department");
                        } else {
                            assert_eq!(v, Visibility::Masked, "{combo} {}: masked", src.name);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn refusals_carry_the_policy_reason() {
    let r = case_access_refusal(
        &principal(Role::Auditor, None, Channel::Web),
        PurposeCode::CitizenInquiry,
    )
    .unwrap();
    assert_eq!(r, "auditors review the access trail, not case data");
    let r = case_access_refusal(
        &principal(Role::Counselor, None, Channel::Phone),
        PurposeCode::SystemOperation,
    )
    .unwrap();
    assert_eq!(r, "the purpose does not fit a look-up of citizen cases");
    let r = case_access_refusal(
        &principal(Role::Chatbot, None, Channel::Chatbot),
        PurposeCode::CitizenInquiry,
    )
    .unwrap();
    assert!(r.contains("minwon.v1.SelfService"), "{r}");
}

#[test]
fn policies_are_validated_against_the_schema() {
    let typo = "permit (principal, action == Minwon::Action::\"look_up\", resource) when { principal.rolee == \"counselor\" };";
    let e = Policy::from_text(typo).unwrap_err();
    assert!(e.to_string().contains("schema"), "{e}");
    assert!(Policy::from_text("permit (").is_err());
    // A stricter policy: counselors get no RRN even masked.
    let strict = format!(
        "{DEFAULT_POLICY}\n@reason(\"no RRNs for counselors\")\nforbid (principal, action == Minwon::Action::\"see_masked\", resource) when {{ principal.role == \"counselor\" && context.field == \"rrn\" }};"
    );
    let p = Policy::from_text(&strict).unwrap();
    let a = p.source_access(
        &principal(Role::Counselor, None, Channel::Phone),
        PurposeCode::CitizenInquiry,
        &tax(),
    );
    assert_eq!(a.visibility(PersonalField::Rrn), Visibility::Hidden);
    assert_eq!(a.visibility(PersonalField::Name), Visibility::Masked);
}
