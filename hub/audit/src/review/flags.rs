//! The review's flags, each computed from the month's records alone (no clock is read, so a
//! seeded trail gives the same flags every time).

use super::{Flag, FlagKind, ReviewConfig};
use crate::kst;
use crate::{AccessRecord, Action, Outcome};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use std::collections::BTreeMap;

/// A look at someone's personal data: a record naming a data subject, other than an
/// auditor's reading of the trail itself (purpose `audit_review`).
pub fn is_lookup(r: &AccessRecord) -> bool {
    !r.draft.subjects.is_empty() && r.draft.purpose_code != "audit_review"
}

/// Outside office hours in KST: before/after them on a weekday, any time on a weekend or a
/// configured holiday.
pub fn off_hours(t: DateTime<Utc>, config: &ReviewConfig) -> bool {
    let local = kst::to_kst(t);
    let day = local.date_naive();
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || config.holidays.contains(&day) {
        return true;
    }
    let time = local.time();
    let (start, end) = config.office_hours;
    time < start || time >= end
}

/// Every flag of the month, by kind then account.
pub fn all(records: &[&AccessRecord], config: &ReviewConfig) -> Vec<Flag> {
    let mut out = Vec::new();
    out.extend(off_hours_flags(records, config));
    out.extend(many_subjects(records, config));
    out.extend(repeated_subject(records, config));
    out.extend(denial_bursts(records, config));
    for r in records {
        let d = &r.draft;
        if d.action == Action::Export {
            out.push(flag(
                FlagKind::Export,
                &d.account,
                format!("{} 반출 (목적 {})", d.operation, d.purpose_code),
                vec![r.sequence],
            ));
        }
        if d.operation == "SetBreaker" && d.outcome == Outcome::Allowed {
            out.push(flag(
                FlagKind::BreakerOverride,
                &d.account,
                format!("연계기관 {} 차단기 수동 조작", d.sources.join(", ")),
                vec![r.sequence],
            ));
        }
    }
    let empty: Vec<&&AccessRecord> = records
        .iter()
        .filter(|r| is_lookup(r) && r.draft.purpose_note.trim().is_empty())
        .collect();
    let mut by_account: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in empty {
        by_account
            .entry(&r.draft.account)
            .or_default()
            .push(r.sequence);
    }
    for (account, seqs) in by_account {
        out.push(flag(
            FlagKind::EmptyPurposeNote,
            account,
            format!("사유 없는 조회 {}건", seqs.len()),
            seqs,
        ));
    }
    out.sort_by(|a, b| (a.kind, &a.account).cmp(&(b.kind, &b.account)));
    out
}

fn flag(kind: FlagKind, account: &str, detail: String, mut sequences: Vec<u64>) -> Flag {
    sequences.sort_unstable();
    sequences.dedup();
    Flag {
        kind,
        account: account.to_string(),
        detail,
        sequences,
    }
}

fn off_hours_flags(records: &[&AccessRecord], config: &ReviewConfig) -> Vec<Flag> {
    let mut by: BTreeMap<(&str, NaiveDate), Vec<u64>> = BTreeMap::new();
    for r in records.iter().filter(|r| is_lookup(r)) {
        if off_hours(r.draft.time, config) {
            by.entry((&r.draft.account, kst::day_of(r.draft.time)))
                .or_default()
                .push(r.sequence);
        }
    }
    by.into_iter()
        .map(|((account, day), seqs)| {
            let why = match day.weekday() {
                Weekday::Sat | Weekday::Sun => "주말",
                _ if config.holidays.contains(&day) => "공휴일",
                _ => "업무시간 외",
            };
            flag(
                FlagKind::OffHours,
                account,
                format!("{day} ({why}) 조회 {}건", seqs.len()),
                seqs,
            )
        })
        .collect()
}

fn many_subjects(records: &[&AccessRecord], config: &ReviewConfig) -> Vec<Flag> {
    // (account, day) → role, distinct subjects, the records.
    type Day<'a> = (&'a str, std::collections::BTreeSet<&'a str>, Vec<u64>);
    let mut days: BTreeMap<(&str, NaiveDate), Day<'_>> = BTreeMap::new();
    for r in records.iter().filter(|r| is_lookup(r)) {
        let e = days
            .entry((&r.draft.account, kst::day_of(r.draft.time)))
            .or_insert_with(|| (&r.draft.role, Default::default(), Vec::new()));
        e.1.extend(r.draft.subjects.iter().map(|s| s.hmac.as_str()));
        e.2.push(r.sequence);
    }
    let mut per_role: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (role, subjects, _) in days.values() {
        per_role.entry(role).or_default().push(subjects.len());
    }
    let medians: BTreeMap<&str, f64> = per_role
        .into_iter()
        .map(|(role, mut counts)| (role, median(&mut counts)))
        .collect();
    days.into_iter()
        .filter_map(|((account, day), (role, subjects, seqs))| {
            let n = subjects.len();
            let norm = medians.get(role).copied().unwrap_or(0.0);
            let over = n as f64 > config.distinct_subjects_factor * norm
                && n > config.distinct_subjects_floor as usize;
            over.then(|| {
                flag(
                    FlagKind::ManySubjects,
                    account,
                    format!("{day} 정보주체 {n}명 (역할 {role} 중앙값 {norm})"),
                    seqs,
                )
            })
        })
        .collect()
}

fn median(counts: &mut [usize]) -> f64 {
    counts.sort_unstable();
    match counts.len() {
        0 => 0.0,
        n if n % 2 == 1 => counts[n / 2] as f64,
        n => (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0,
    }
}

fn repeated_subject(records: &[&AccessRecord], config: &ReviewConfig) -> Vec<Flag> {
    let mut by: BTreeMap<(&str, &str), (&str, Vec<u64>)> = BTreeMap::new();
    for r in records.iter().filter(|r| is_lookup(r)) {
        for s in &r.draft.subjects {
            by.entry((&r.draft.account, &s.hmac))
                .or_insert_with(|| (&s.masked, Vec::new()))
                .1
                .push(r.sequence);
        }
    }
    by.into_iter()
        .filter(|(_, (_, seqs))| seqs.len() >= config.repeated_subject_min as usize)
        .map(|((account, _), (masked, seqs))| {
            flag(
                FlagKind::RepeatedSubject,
                account,
                format!("{masked} {}회 조회", seqs.len()),
                seqs,
            )
        })
        .collect()
}

fn denial_bursts(records: &[&AccessRecord], config: &ReviewConfig) -> Vec<Flag> {
    let mut by: BTreeMap<&str, Vec<(DateTime<Utc>, u64)>> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.draft.outcome == Outcome::Denied)
    {
        by.entry(&r.draft.account)
            .or_default()
            .push((r.draft.time, r.sequence));
    }
    let window = chrono::Duration::minutes(i64::from(config.denial_burst_minutes));
    let need = config.denial_burst_count as usize;
    let mut out = Vec::new();
    for (account, mut denials) in by {
        denials.sort_unstable();
        // Mark every denial inside some window of `need` denials, then join marked runs.
        let mut marked = vec![false; denials.len()];
        for i in 0..denials.len() {
            let j = i + need - 1;
            if j < denials.len() && denials[j].0 - denials[i].0 <= window {
                marked[i..=j].iter_mut().for_each(|m| *m = true);
            }
        }
        let mut run: Vec<u64> = Vec::new();
        for (i, (_, seq)) in denials.iter().enumerate() {
            if marked[i] {
                run.push(*seq);
            }
            let ends = !marked[i] || i + 1 == denials.len() || !marked[i + 1];
            if ends && !run.is_empty() {
                let n = run.len();
                out.push(flag(
                    FlagKind::DenialBurst,
                    account,
                    format!("{}분 안에 거부 {n}건", config.denial_burst_minutes),
                    std::mem::take(&mut run),
                ));
            }
        }
    }
    out
}
