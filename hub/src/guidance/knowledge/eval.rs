//! The search evaluation: `hub/knowledge/eval.toml` (questions as citizens type them, each
//! with the entry ids that answer it) run against a served base, scored as top-1, top-3 and
//! mean reciprocal rank. The hub's tests hold a floor; `minwon-bench knowledge` prints the
//! figures for BENCHMARKS.md.

use super::store::Snapshot;
use serde::Deserialize;

/// The bundled evaluation set.
pub const BUNDLED: &str = include_str!("../../../knowledge/eval.toml");

/// Ranks looked at for the reciprocal rank (a hit below counts 0).
const MRR_DEPTH: usize = 10;

/// One question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// As typed.
    pub text: String,
    /// Ids of the entries that answer it; any of them counts.
    pub expect: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    question: Vec<Question>,
}

/// Parses an evaluation set.
pub fn parse(text: &str) -> Result<Vec<Question>, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.question)
}

/// One question the search did not answer in its top 3.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The question.
    pub text: String,
    /// What it expected.
    pub expect: Vec<String>,
    /// The top 3 ids it got.
    pub got: Vec<String>,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Questions asked.
    pub questions: usize,
    /// Share with an expected entry first.
    pub top1: f64,
    /// Share with an expected entry in the first three.
    pub top3: f64,
    /// Mean of 1/rank of the first expected entry (0 past rank 10).
    pub mrr: f64,
    /// The questions missed in the top 3.
    pub misses: Vec<Miss>,
}

/// Runs `questions` against `snapshot`. Ids unknown to the base are an error: the set and the
/// base must agree, or a figure means nothing.
pub fn run(snapshot: &Snapshot, questions: &[Question]) -> Result<Report, String> {
    let known: std::collections::HashSet<&str> =
        snapshot.entries.iter().map(|e| e.id.as_str()).collect();
    let (mut top1, mut top3, mut rr) = (0usize, 0usize, 0f64);
    let mut misses = Vec::new();
    for q in questions {
        if let Some(bad) = q.expect.iter().find(|id| !known.contains(id.as_str())) {
            return Err(format!("question {:?} expects unknown entry {bad}", q.text));
        }
        let (hits, _) = snapshot
            .index
            .search(&q.text, None, MRR_DEPTH)
            .map_err(|e| e.to_string())?;
        let ids: Vec<&str> = hits
            .iter()
            .map(|h| snapshot.entries[h.ord].id.as_str())
            .collect();
        let rank = ids.iter().position(|id| q.expect.iter().any(|e| e == id));
        if rank == Some(0) {
            top1 += 1;
        }
        if rank.is_some_and(|r| r < 3) {
            top3 += 1;
        } else {
            misses.push(Miss {
                text: q.text.clone(),
                expect: q.expect.clone(),
                got: ids.iter().take(3).map(|s| s.to_string()).collect(),
            });
        }
        rr += rank.map_or(0.0, |r| 1.0 / (r + 1) as f64);
    }
    let n = questions.len().max(1) as f64;
    Ok(Report {
        questions: questions.len(),
        top1: top1 as f64 / n,
        top3: top3 as f64 / n,
        mrr: rr / n,
        misses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guidance::knowledge::{KnowledgeConfig, KnowledgeStore};

    #[test]
    fn the_set_is_large_and_covers_every_category() {
        let qs = parse(BUNDLED).unwrap();
        assert!(qs.len() >= 150, "{}", qs.len());
        let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
        let snap = store.current();
        let category = |id: &str| {
            snap.entries
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.category.clone())
        };
        let asked: std::collections::HashSet<String> = qs
            .iter()
            .flat_map(|q| q.expect.iter().filter_map(|id| category(id)))
            .collect();
        let all: std::collections::HashSet<String> =
            snap.entries.iter().map(|e| e.category.clone()).collect();
        assert_eq!(asked, all, "every category is asked about");
    }

    /// The floor the bundled base and analyzer hold; BENCHMARKS.md has the current figures.
    #[test]
    fn the_bundled_base_answers_the_evaluation_set_above_the_floor() {
        let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
        let report = run(&store.current(), &parse(BUNDLED).unwrap()).unwrap();
        assert!(
            report.top3 >= 0.85 && report.mrr >= 0.70,
            "top-3 {:.3}, MRR {:.3}; misses: {:#?}",
            report.top3,
            report.mrr,
            report.misses
        );
    }

    #[test]
    fn a_set_naming_an_unknown_entry_is_refused() {
        let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
        let qs = vec![Question {
            text: "여권".into(),
            expect: vec!["NOPE-1".into()],
        }];
        assert!(run(&store.current(), &qs).unwrap_err().contains("NOPE-1"));
    }
}
/// Questions the sample base cannot answer, for the knowledge-gap threshold: a search for one
/// of these should count as a gap.
pub const OFF_TOPIC: [&str; 10] = [
    "우주정거장 견학 문의",
    "화성 이주 지원금",
    "비트코인 채굴기 전기요금",
    "강아지 미용실 추천해주세요",
    "로또 당첨금 어디서 받아요",
    "유튜브 채널 개설",
    "아이돌 콘서트 티켓 예매",
    "주식 투자 상담",
    "맛집 추천 좀",
    "날씨 어때요",
];

#[cfg(test)]
mod gap_threshold {
    use super::*;
    use crate::guidance::knowledge::{KnowledgeConfig, KnowledgeStore};

    /// The default `[knowledge_gaps] weak_score_below` on the index's BM25 scale separates
    /// answered from unanswerable questions well enough for a report (measured: answered
    /// questions' best score min 15.7, 5th percentile 23.9, median 63; the off-topic set 16–35
    /// or no hit at all).
    #[test]
    fn the_default_weak_threshold_separates_answered_from_off_topic_questions() {
        let weak = crate::guidance::gaps::GapsConfig::default().weak_score_below as f32;
        let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
        let snap = store.current();
        let best = |q: &str| {
            let (hits, _) = snap.index.search(q, None, 1).unwrap();
            hits.first().map_or(0.0, |h| h.score)
        };
        let qs = parse(BUNDLED).unwrap();
        let false_gaps = qs.iter().filter(|q| best(&q.text) < weak).count();
        assert!(
            false_gaps * 20 <= qs.len(),
            "{false_gaps} of {} answered questions would count as gaps",
            qs.len()
        );
        let caught = OFF_TOPIC.iter().filter(|q| best(q) < weak).count();
        assert!(
            caught >= 6,
            "only {caught} of 10 off-topic questions count as gaps"
        );
    }
}
