//! A connector's consultation base as a sync source of the hub's index (`[knowledge]
//! sync_from = "saeol"`): at start and at every refresh the hub lists the source's entries
//! category by category (Saeol's `SearchKnowledge` with an empty query lists a category,
//! at most 100 rows a call) through the connector's own guard, and merges them into the base
//! file's entries.
//!
//! The source is the record for an entry's text (category, question, answer, department,
//! phone); the base file stays the record for its review dates and status. An id the file
//! does not have is added as active, reviewed on the day the hub first saw it, due again
//! after [`NEW_ENTRY_REVIEW`]. The categories asked are those of the base file, so an entry
//! the source files under a category the file has never used is not seen (the sync logs
//! how many rows each category left unread when a category holds more than one call returns).

use super::base::{self, Entry, Status};
use crate::fanout::resilience::Guard;
use chrono::NaiveDate;
use minwon_connector_sdk::{CallContext, KnowledgeEntry, KnowledgeSource};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Rows one listing call asks for (Saeol's `maxRow` limit).
pub const ROWS_PER_CALL: usize = 100;
/// Budget of one listing call.
const CALL_BUDGET: Duration = Duration::from_secs(10);
/// Review period of an entry first seen at the source.
pub const NEW_ENTRY_REVIEW: &str = "90d";

/// The connector a base is synced from.
#[derive(Clone)]
pub struct SyncSource {
    /// Registry name, e.g. `saeol`.
    pub name: String,
    /// Its knowledge source.
    pub source: Arc<dyn KnowledgeSource>,
    /// Its connector's guard (breaker, bulkhead, deadline).
    pub guard: Arc<Guard>,
}

/// A listing that failed (the served base is kept).
#[derive(Debug, thiserror::Error)]
#[error("syncing knowledge from {source_name}: {reason}")]
pub struct SyncError {
    /// The connector.
    pub source_name: String,
    /// What failed (connector error kind and message; no personal data is involved).
    pub reason: String,
}

/// Lists every entry the source files under `categories`, deduplicated by id.
pub async fn pull(
    src: &SyncSource,
    categories: &BTreeSet<String>,
) -> Result<Vec<KnowledgeEntry>, SyncError> {
    let mut by_id: std::collections::BTreeMap<String, KnowledgeEntry> = Default::default();
    for c in categories {
        let found = src
            .guard
            .call(tokio::time::Instant::now() + CALL_BUDGET, |d| async move {
                let ctx = CallContext {
                    deadline: d,
                    traceparent: None,
                };
                src.source.search("", Some(c), ROWS_PER_CALL, &ctx).await
            })
            .await
            .map_err(|e| SyncError {
                source_name: src.name.clone(),
                reason: e.to_string(),
            })?;
        let (entries, total) = found;
        if total > entries.len() {
            tracing::warn!(
                source = %src.name,
                category = %c,
                listed = entries.len(),
                total,
                "knowledge sync: a category holds more entries than one listing returns"
            );
        }
        for e in entries {
            by_id.entry(e.id.clone()).or_insert(e);
        }
    }
    Ok(by_id.into_values().collect())
}

/// What the source holds, kept between syncs: its entries and the day each id was first seen.
#[derive(Debug, Clone, Default)]
pub struct Synced {
    /// The last listing.
    pub entries: Vec<KnowledgeEntry>,
    /// First sighting of each id.
    pub first_seen: HashMap<String, NaiveDate>,
}

impl Synced {
    /// Takes a new listing, remembering when new ids appeared.
    pub fn update(&mut self, entries: Vec<KnowledgeEntry>, today: NaiveDate) {
        for e in &entries {
            self.first_seen.entry(e.id.clone()).or_insert(today);
        }
        self.entries = entries;
    }
}

/// The file's entries with the source's merged in (see the module docs); source entries that
/// break a base rule (e.g. an empty answer) are left out and counted.
pub fn merge(file: Vec<Entry>, synced: &Synced) -> (Vec<Entry>, usize) {
    let mut out = file;
    let mut at: HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut skipped = 0;
    for s in &synced.entries {
        let reviewed_at = synced
            .first_seen
            .get(&s.id)
            .copied()
            .unwrap_or(NaiveDate::MIN);
        let candidate = Entry {
            id: s.id.clone(),
            category: s.category.clone(),
            question: s.question.clone(),
            answer: s.answer.clone(),
            department: s.department.clone(),
            phone: s.contact.clone(),
            reviewed_at,
            review_every: NEW_ENTRY_REVIEW.to_string(),
            status: Status::Active,
        };
        if base::check(0, &candidate).is_err() {
            skipped += 1;
            continue;
        }
        match at.get(&s.id) {
            Some(&i) => {
                let e = &mut out[i];
                e.category = candidate.category;
                e.question = candidate.question;
                e.answer = candidate.answer;
                e.department = candidate.department;
                e.phone = candidate.phone;
            }
            None => {
                at.insert(candidate.id.clone(), out.len());
                out.push(candidate);
            }
        }
    }
    (out, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            category: "여권".into(),
            question: "옛 질문".into(),
            answer: "옛 답".into(),
            department: "민원여권과".into(),
            phone: "031-000-0000".into(),
            reviewed_at: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            review_every: "1y".into(),
            status: Status::Retired,
        }
    }

    fn source_entry(id: &str, answer: &str) -> KnowledgeEntry {
        KnowledgeEntry {
            id: id.into(),
            category: "여권".into(),
            question: "새 질문".into(),
            answer: answer.into(),
            department: "민원여권과".into(),
            contact: "031-980-2165".into(),
            score: 0.0,
        }
    }

    #[test]
    fn the_source_owns_the_text_and_the_file_owns_review_and_status() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut synced = Synced::default();
        synced.update(
            vec![
                source_entry("KB-1", "새 답"),
                source_entry("KB-2", "처음 보는 답"),
                source_entry("KB-3", ""),
            ],
            today,
        );
        let (merged, skipped) = merge(vec![file_entry("KB-1")], &synced);
        assert_eq!(skipped, 1, "an empty answer is not served");
        assert_eq!(merged.len(), 2);
        let kept = &merged[0];
        assert_eq!(
            (kept.question.as_str(), kept.answer.as_str()),
            ("새 질문", "새 답")
        );
        assert_eq!(kept.phone, "031-980-2165");
        assert_eq!(kept.status, Status::Retired);
        assert_eq!(kept.review_every, "1y");
        let new = &merged[1];
        assert_eq!((new.id.as_str(), new.status), ("KB-2", Status::Active));
        assert_eq!(new.reviewed_at, today);
        assert_eq!(new.review_every, NEW_ENTRY_REVIEW);
    }

    #[test]
    fn an_id_keeps_the_day_it_was_first_seen() {
        let d1 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut synced = Synced::default();
        synced.update(vec![source_entry("KB-9", "답")], d1);
        synced.update(vec![source_entry("KB-9", "고친 답")], d2);
        let (merged, _) = merge(Vec::new(), &synced);
        assert_eq!(merged[0].reviewed_at, d1);
        assert_eq!(merged[0].answer, "고친 답");
    }
}
