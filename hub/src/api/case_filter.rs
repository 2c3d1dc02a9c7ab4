//! A screen's view of an answer: [`CaseFilter`] (kinds, unified statuses, a date range, an
//! order) applied to the cases after masking and before answering, and the per-source and
//! per-status counts of everything the sources returned. A filter never changes which sources
//! are called or what the access record names: it only shapes what leaves.

use crate::access::validate::Invalid;
use chrono::{DateTime, Utc};
use minwon_proto::v1 as pb;
use std::collections::BTreeMap;

/// A validated filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    kinds: Vec<i32>,
    statuses: Vec<i32>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    order: pb::CaseOrder,
}

fn time(field: &str, t: &Option<prost_types::Timestamp>) -> Result<Option<DateTime<Utc>>, Invalid> {
    t.as_ref()
        .map(|ts| {
            DateTime::from_timestamp(ts.seconds, ts.nanos.max(0) as u32)
                .ok_or_else(|| Invalid::new(field, "not a representable time"))
        })
        .transpose()
}

impl CaseFilter {
    /// Checks a filter from the wire (`prefix` names it in errors, e.g. `filter`).
    pub fn parse(f: Option<&pb::CaseFilter>, prefix: &str) -> Result<CaseFilter, Invalid> {
        let Some(f) = f else {
            return Ok(CaseFilter::default());
        };
        for (i, k) in f.kinds.iter().enumerate() {
            if pb::CaseKind::try_from(*k).is_err() || *k == 0 {
                return Err(Invalid::new(
                    &format!("{prefix}.kinds[{i}]"),
                    "not a CaseKind value",
                ));
            }
        }
        for (i, s) in f.statuses.iter().enumerate() {
            if pb::CaseStatus::try_from(*s).is_err() || *s == 0 {
                return Err(Invalid::new(
                    &format!("{prefix}.statuses[{i}]"),
                    "not a CaseStatus value",
                ));
            }
        }
        let order = pb::CaseOrder::try_from(f.order)
            .map_err(|_| Invalid::new(&format!("{prefix}.order"), "not a CaseOrder value"))?;
        let from = time(&format!("{prefix}.from"), &f.from)?;
        let to = time(&format!("{prefix}.to"), &f.to)?;
        if let (Some(a), Some(b)) = (from, to)
            && a >= b
        {
            return Err(Invalid::new(&format!("{prefix}.from"), "must be before to"));
        }
        Ok(CaseFilter {
            kinds: f.kinds.clone(),
            statuses: f.statuses.clone(),
            from,
            to,
            order,
        })
    }

    /// Whether a case passes the kinds, statuses and date range.
    pub fn passes(&self, c: &pb::Case) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&c.kind) {
            return false;
        }
        if !self.statuses.is_empty() && !self.statuses.contains(&c.status) {
            return false;
        }
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let Some(when) = when(c) else {
            return false;
        };
        self.from.is_none_or(|f| when >= f) && self.to.is_none_or(|t| when < t)
    }

    /// The cases that pass, in the filter's order (a stable sort: ties keep source order).
    pub fn apply(&self, cases: Vec<pb::Case>) -> Vec<pb::Case> {
        let mut out: Vec<pb::Case> = cases.into_iter().filter(|c| self.passes(c)).collect();
        match self.order {
            pb::CaseOrder::Unspecified => {}
            pb::CaseOrder::DueDate => out.sort_by(|a, b| {
                // `YYYY-MM-DD` sorts as text; no due date goes last.
                let key = |c: &pb::Case| (c.due_date.is_empty(), c.due_date.clone());
                key(a).cmp(&key(b))
            }),
            pb::CaseOrder::Updated => out.sort_by_key(|c| std::cmp::Reverse(when(c))),
            pb::CaseOrder::Amount => {
                out.sort_by_key(|c| std::cmp::Reverse(c.has_amount.then_some(c.amount_krw)))
            }
        }
        out
    }
}

/// A case's time for the range and the UPDATED order: its update time, else its opening.
fn when(c: &pb::Case) -> Option<DateTime<Utc>> {
    c.updated_at
        .as_ref()
        .or(c.opened_at.as_ref())
        .and_then(|t| DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
}

/// Cases per source (in the order first seen) and per unified status (in enum order).
pub fn counts(cases: &[pb::Case]) -> (Vec<pb::SourceCount>, Vec<pb::StatusCount>) {
    let mut sources: Vec<pb::SourceCount> = Vec::new();
    let mut statuses: BTreeMap<i32, u32> = BTreeMap::new();
    for c in cases {
        match sources.iter_mut().find(|s| s.source == c.source) {
            Some(s) => s.cases += 1,
            None => sources.push(pb::SourceCount {
                source: c.source.clone(),
                cases: 1,
            }),
        }
        *statuses.entry(c.status).or_default() += 1;
    }
    let statuses = statuses
        .into_iter()
        .map(|(status, cases)| pb::StatusCount { status, cases })
        .collect();
    (sources, statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(
        source: &str,
        status: pb::CaseStatus,
        due: &str,
        amount: Option<i64>,
        t: i64,
    ) -> pb::Case {
        pb::Case {
            source: source.into(),
            case_ref: format!("{source}:{t}"),
            status: status as i32,
            kind: pb::CaseKind::TaxBill as i32,
            due_date: due.into(),
            amount_krw: amount.unwrap_or(0),
            has_amount: amount.is_some(),
            updated_at: Some(prost_types::Timestamp {
                seconds: t,
                nanos: 0,
            }),
            ..Default::default()
        }
    }

    fn sample() -> Vec<pb::Case> {
        use pb::CaseStatus as S;
        vec![
            case("tax", S::Paid, "2026-03-31", Some(90_000), 100),
            case("tax", S::Unpaid, "2026-12-31", Some(120_000), 300),
            case("water", S::Overdue, "2026-10-25", Some(31_000), 200),
            case("saeol", S::InProgress, "", None, 400),
        ]
    }

    #[test]
    fn unpaid_and_overdue_first_by_due_date() {
        let f = CaseFilter::parse(
            Some(&pb::CaseFilter {
                statuses: vec![
                    pb::CaseStatus::Unpaid as i32,
                    pb::CaseStatus::Overdue as i32,
                ],
                order: pb::CaseOrder::DueDate as i32,
                ..Default::default()
            }),
            "filter",
        )
        .unwrap();
        let refs: Vec<String> = f.apply(sample()).into_iter().map(|c| c.case_ref).collect();
        assert_eq!(refs, ["water:200", "tax:300"]);
    }

    #[test]
    fn orders_and_ranges() {
        let by = |order: pb::CaseOrder| {
            CaseFilter::parse(
                Some(&pb::CaseFilter {
                    order: order as i32,
                    ..Default::default()
                }),
                "f",
            )
            .unwrap()
            .apply(sample())
            .into_iter()
            .map(|c| c.case_ref)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            by(pb::CaseOrder::Amount)[..3],
            ["tax:300", "tax:100", "water:200"]
        );
        assert_eq!(by(pb::CaseOrder::Amount)[3], "saeol:400", "no amount last");
        assert_eq!(by(pb::CaseOrder::Updated)[0], "saeol:400");
        assert_eq!(
            by(pb::CaseOrder::DueDate)[3],
            "saeol:400",
            "no due date last"
        );
        let range = CaseFilter::parse(
            Some(&pb::CaseFilter {
                from: Some(prost_types::Timestamp {
                    seconds: 150,
                    nanos: 0,
                }),
                to: Some(prost_types::Timestamp {
                    seconds: 350,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            "f",
        )
        .unwrap();
        assert_eq!(range.apply(sample()).len(), 2);
    }

    #[test]
    fn bad_filters_name_the_field() {
        let e = CaseFilter::parse(
            Some(&pb::CaseFilter {
                kinds: vec![99],
                ..Default::default()
            }),
            "filter",
        )
        .unwrap_err();
        assert_eq!(e.field, "filter.kinds[0]");
        let e = CaseFilter::parse(
            Some(&pb::CaseFilter {
                from: Some(prost_types::Timestamp {
                    seconds: 9,
                    nanos: 0,
                }),
                to: Some(prost_types::Timestamp {
                    seconds: 9,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            "filter",
        )
        .unwrap_err();
        assert_eq!(e.field, "filter.from");
    }

    #[test]
    fn counts_cover_every_case() {
        let (sources, statuses) = counts(&sample());
        assert_eq!(sources.iter().map(|s| s.cases).sum::<u32>(), 4);
        assert_eq!(sources[0].source, "tax");
        assert_eq!(sources[0].cases, 2);
        assert_eq!(statuses.len(), 4);
    }
}
