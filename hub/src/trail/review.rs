//! The monthly access review as the hub serves it (the `GetAccessReview` RPC, `minwon-hub
//! audit review`, the console): the month's records and sign-offs read from the store, the
//! whole trail verified, and [`minwon_audit::review::build`] over them.

use crate::answer::convert::timestamp;
use crate::trail::TrailKeys;
use minwon_audit::kst::Month;
use minwon_audit::review::{self, AccessReview, ReviewConfig, SignOff, Verification};
use minwon_audit::{AuditError, AuditStore};
use minwon_proto::v1 as pb;

/// Records read per store query.
const PAGE: usize = 1000;

/// Verifies the trail and computes `month`'s review.
pub async fn compute(
    store: &dyn AuditStore,
    keys: &TrailKeys,
    config: &ReviewConfig,
    month: Month,
) -> Result<AccessReview, AuditError> {
    let report = crate::trail::verify(store, keys).await?;
    let verification = Verification {
        ok: report.ok,
        records_checked: report.records_checked,
        checkpoints_checked: report.checkpoints_checked,
        first_bad_sequence: report.first_bad_sequence,
        reason: report.reason,
        key_id: keys
            .checkpoint_public_key
            .as_ref()
            .map(minwon_audit::keys::key_id),
    };
    let (records, sign_offs) = review::collect(store, month, PAGE).await?;
    Ok(review::build(
        month,
        &records,
        &sign_offs,
        config,
        verification,
    ))
}

/// A sign-off for the wire.
pub fn sign_off_pb(s: &SignOff) -> pb::ReviewSignOff {
    pb::ReviewSignOff {
        sequence: s.sequence,
        time: Some(timestamp(s.time)),
        reviewer: s.reviewer.clone(),
        comment: s.comment.clone(),
    }
}

/// A review for the wire; `audit_id` is the review's own access record.
pub fn review_pb(r: &AccessReview, audit_id: String) -> pb::AccessReview {
    let v = &r.verification;
    pb::AccessReview {
        month: r.month.clone(),
        from: Some(timestamp(r.from)),
        to: Some(timestamp(r.to)),
        records: r.records,
        accounts: r
            .accounts
            .iter()
            .map(|a| pb::AccountActivity {
                account: a.account.clone(),
                role: a.role.clone(),
                department: a.department.clone(),
                records: a.records,
                distinct_subjects: a.distinct_subjects,
                lookups_per_source: a
                    .lookups_per_source
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect(),
                denials: a.denials,
                off_hours_lookups: a.off_hours_lookups,
                exports: a.exports,
            })
            .collect(),
        flags: r
            .flags
            .iter()
            .map(|f| pb::ReviewFlag {
                kind: f.kind.as_str().to_string(),
                label: f.kind.label_ko().to_string(),
                account: f.account.clone(),
                detail: f.detail.clone(),
                sequences: f.sequences.clone(),
            })
            .collect(),
        sign_offs: r.sign_offs.iter().map(sign_off_pb).collect(),
        verification: Some(pb::VerifyAuditLogResponse {
            ok: v.ok,
            records_checked: v.records_checked,
            checkpoints_checked: v.checkpoints_checked,
            first_bad_sequence: v.first_bad_sequence.unwrap_or(0),
            reason: v.reason.clone().unwrap_or_default(),
        }),
        signing_key_id: v.key_id.clone().unwrap_or_default(),
        audit_id,
    }
}
