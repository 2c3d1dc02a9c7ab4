//! The monthly access review (접속기록 점검): per account what it did with personal data in a
//! KST month, and flags — each naming the records (sequence numbers) behind it — for what the
//! safety standard asks an auditor to look into. See [`ReviewConfig`] for the thresholds.
//!
//! A review is computed from records only ([`build`]); [`collect`] reads a month from a
//! store. Sign-offs are access records themselves (operation [`SIGN_OFF_OPERATION`], the note
//! `"YYYY-MM comment"`), so they are chained and checkpointed like everything else.

mod config;
mod flags;
pub mod output;

pub use config::{ReviewConfig, parse_office_hours};
pub use flags::is_lookup;

use crate::kst::Month;
use crate::{AccessRecord, Action, AuditError, AuditStore, Outcome, RecordFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The operation of a sign-off's access record.
pub const SIGN_OFF_OPERATION: &str = "SignOffAccessReview";

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Look-ups outside office hours, on a weekend or a holiday (one flag per account and day).
    OffHours,
    /// Distinct data subjects in one day far above the role's norm.
    ManySubjects,
    /// The same data subject looked at repeatedly by one account.
    RepeatedSubject,
    /// Many denials in a short time.
    DenialBurst,
    /// Data taken out (download, print, file export).
    Export,
    /// A circuit breaker forced open or closed by an admin.
    BreakerOverride,
    /// A look-up without a purpose note.
    EmptyPurposeNote,
}

impl FlagKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::OffHours => "off_hours",
            FlagKind::ManySubjects => "many_subjects",
            FlagKind::RepeatedSubject => "repeated_subject",
            FlagKind::DenialBurst => "denial_burst",
            FlagKind::Export => "export",
            FlagKind::BreakerOverride => "breaker_override",
            FlagKind::EmptyPurposeNote => "empty_purpose_note",
        }
    }

    /// The Korean label shown in reports.
    pub fn label_ko(self) -> &'static str {
        match self {
            FlagKind::OffHours => "업무시간 외 조회",
            FlagKind::ManySubjects => "하루 정보주체 과다 조회",
            FlagKind::RepeatedSubject => "동일 정보주체 반복 조회",
            FlagKind::DenialBurst => "단시간 거부 반복",
            FlagKind::Export => "반출(다운로드)",
            FlagKind::BreakerOverride => "차단기 수동 조작",
            FlagKind::EmptyPurposeNote => "조회 사유 미기재",
        }
    }
}

/// One thing to look into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// What kind.
    pub kind: FlagKind,
    /// Whose account.
    pub account: String,
    /// Why, in Korean, with the numbers (no personal data: subjects appear masked at most).
    pub detail: String,
    /// The records behind it.
    pub sequences: Vec<u64>,
}

/// What one account did in the month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The account.
    pub account: String,
    /// Its role (the last recorded in the month).
    pub role: String,
    /// Its department (the last recorded in the month).
    pub department: String,
    /// Access records.
    pub records: u64,
    /// Distinct data subjects (by HMAC) over its look-ups.
    pub distinct_subjects: u64,
    /// Look-ups per back-end source.
    pub lookups_per_source: BTreeMap<String, u64>,
    /// Denied requests.
    pub denials: u64,
    /// Look-ups outside office hours.
    pub off_hours_lookups: u64,
    /// Exports.
    pub exports: u64,
}

/// An auditor's sign-off of a month's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    /// The sign-off's own access record.
    pub sequence: u64,
    /// When.
    pub time: DateTime<Utc>,
    /// Who signed (the auditor's account).
    pub reviewer: String,
    /// The reviewer's comment.
    pub comment: String,
}

/// The chain and checkpoint verification shown on the report's first page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The trail verified.
    pub ok: bool,
    /// Records checked.
    pub records_checked: u64,
    /// Checkpoints checked.
    pub checkpoints_checked: u64,
    /// The first bad sequence when not ok.
    pub first_bad_sequence: Option<u64>,
    /// Why not, when not ok.
    pub reason: Option<String>,
    /// The checkpoint signing key's id, when checkpoints are configured.
    pub key_id: Option<String>,
}

/// One month's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessReview {
    /// `YYYY-MM`, Asia/Seoul.
    pub month: String,
    /// The month's first instant (KST midnight), UTC.
    pub from: DateTime<Utc>,
    /// The next month's first instant, UTC (exclusive).
    pub to: DateTime<Utc>,
    /// Records in the month.
    pub records: u64,
    /// Per account, by account name.
    pub accounts: Vec<AccountSummary>,
    /// Flags, by kind then account.
    pub flags: Vec<Flag>,
    /// Sign-offs recorded for this month, oldest first.
    pub sign_offs: Vec<SignOff>,
    /// The trail's verification when the review was made.
    pub verification: Verification,
}

/// Computes the review of `month` from its records (any order) and the sign-off records.
pub fn build(
    month: Month,
    records: &[AccessRecord],
    sign_off_records: &[AccessRecord],
    config: &ReviewConfig,
    verification: Verification,
) -> AccessReview {
    let (from, to) = month.range();
    let in_month: Vec<&AccessRecord> = records
        .iter()
        .filter(|r| r.draft.time >= from && r.draft.time < to)
        .collect();
    let mut accounts: BTreeMap<&str, (AccountSummary, BTreeSet<&str>)> = BTreeMap::new();
    for r in &in_month {
        let d = &r.draft;
        let (s, subjects) = accounts.entry(&d.account).or_default();
        s.account.clone_from(&d.account);
        s.role.clone_from(&d.role);
        s.department.clone_from(&d.department);
        s.records += 1;
        if d.outcome == Outcome::Denied {
            s.denials += 1;
        }
        if d.action == Action::Export {
            s.exports += 1;
        }
        if is_lookup(r) {
            subjects.extend(d.subjects.iter().map(|x| x.hmac.as_str()));
            for src in &d.sources {
                *s.lookups_per_source.entry(src.clone()).or_default() += 1;
            }
            if flags::off_hours(d.time, config) {
                s.off_hours_lookups += 1;
            }
        }
    }
    let accounts = accounts
        .into_values()
        .map(|(mut s, subjects)| {
            s.distinct_subjects = subjects.len() as u64;
            s
        })
        .collect();
    AccessReview {
        month: month.to_string(),
        from,
        to,
        records: in_month.len() as u64,
        accounts,
        flags: flags::all(&in_month, config),
        sign_offs: sign_offs(month, sign_off_records),
        verification,
    }
}

/// The sign-offs of `month` among `records` (those with the sign-off operation whose note
/// starts with the month).
pub fn sign_offs(month: Month, records: &[AccessRecord]) -> Vec<SignOff> {
    let key = month.to_string();
    records
        .iter()
        .filter(|r| r.draft.operation == SIGN_OFF_OPERATION && r.draft.outcome == Outcome::Allowed)
        .filter_map(|r| {
            let rest = r.draft.purpose_note.strip_prefix(&key)?;
            let comment = match rest.strip_prefix(' ') {
                Some(c) => c,
                None if rest.is_empty() => "",
                None => return None,
            };
            Some(SignOff {
                sequence: r.sequence,
                time: r.draft.time,
                reviewer: r.draft.account.clone(),
                comment: comment.to_string(),
            })
        })
        .collect()
}

/// The purpose note a sign-off of `month` is recorded with.
pub fn sign_off_note(month: Month, comment: &str) -> String {
    let comment = comment.trim();
    if comment.is_empty() {
        month.to_string()
    } else {
        format!("{month} {comment}")
    }
}

/// Reads every record of `month` and every sign-off made since its start, `page` at a time.
pub async fn collect(
    store: &dyn AuditStore,
    month: Month,
    page: usize,
) -> Result<(Vec<AccessRecord>, Vec<AccessRecord>), AuditError> {
    let (from, to) = month.range();
    let records = read_all(
        store,
        RecordFilter {
            from: Some(from),
            to: Some(to),
            ..RecordFilter::default()
        },
        page,
    )
    .await?;
    let sign_offs = read_all(
        store,
        RecordFilter {
            from: Some(from),
            operation: Some(SIGN_OFF_OPERATION.to_string()),
            ..RecordFilter::default()
        },
        page,
    )
    .await?;
    Ok((records, sign_offs))
}

async fn read_all(
    store: &dyn AuditStore,
    mut filter: RecordFilter,
    page: usize,
) -> Result<Vec<AccessRecord>, AuditError> {
    filter.limit = page.max(1);
    let mut out = Vec::new();
    loop {
        let batch = store.query(&filter).await?;
        let Some(last) = batch.last() else {
            return Ok(out);
        };
        filter.after_sequence = last.sequence;
        let done = batch.len() < filter.limit;
        out.extend(batch);
        if done {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests;
