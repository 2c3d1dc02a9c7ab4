//! The simulated consultation knowledge base: entries from `data/knowledge.tsv` (compiled
//! in) and the search the `SearchKnowledge` operation runs.
//!
//! Ranking: every query word (split on whitespace, case-insensitive) is looked for as a
//! substring of the question (weight 10), the answer (3) and the category (2). Entries that
//! match every word come first, then by the number of words matched, then by weight; ties go
//! to the earlier match position in the question, then the shorter question, then the id.

/// The bundled data file: `id \t category \t question \t answer \t department \t contact`.
pub const BUNDLED_TSV: &str = include_str!("../../data/knowledge.tsv");

/// Most query words considered (the score's bands assume at most this many).
pub const MAX_WORDS: usize = 8;

/// One knowledge entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable id, e.g. `KB-0001`.
    pub id: String,
    /// Category, e.g. `여권`.
    pub category: String,
    /// Question.
    pub question: String,
    /// Answer.
    pub answer: String,
    /// Department in charge.
    pub department: String,
    /// Department phone.
    pub contact: String,
    lower: [String; 3],
}

/// The loaded knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    /// The entry.
    pub entry: &'a Entry,
    /// Relevance, higher is better.
    pub score: f64,
}

impl KnowledgeBase {
    /// The bundled entries.
    pub fn bundled() -> Self {
        let (kb, skipped) = Self::parse(BUNDLED_TSV);
        if skipped > 0 {
            tracing::warn!(skipped, "malformed knowledge base lines skipped");
        }
        kb
    }

    /// Parses TSV text; blank lines and `#` comments are ignored, lines without exactly six
    /// non-empty fields are skipped and counted.
    pub fn parse(text: &str) -> (Self, usize) {
        let mut entries = Vec::new();
        let mut skipped = 0;
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').map(str::trim).collect();
            if f.len() != 6 || f.iter().any(|x| x.is_empty()) {
                skipped += 1;
                continue;
            }
            entries.push(Entry {
                id: f[0].to_string(),
                category: f[1].to_string(),
                question: f[2].to_string(),
                answer: f[3].to_string(),
                department: f[4].to_string(),
                contact: f[5].to_string(),
                lower: [
                    f[2].to_lowercase(),
                    f[3].to_lowercase(),
                    f[1].to_lowercase(),
                ],
            });
        }
        (KnowledgeBase { entries }, skipped)
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The best `limit` matches for `query` (within `category` when given) and the number of
    /// all matches. An empty query with a category lists that category.
    pub fn search(
        &self,
        query: &str,
        category: Option<&str>,
        limit: usize,
    ) -> (Vec<Hit<'_>>, usize) {
        let words: Vec<String> = query
            .split_whitespace()
            .take(MAX_WORDS)
            .map(str::to_lowercase)
            .collect();
        let category = category
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty());
        let mut ranked: Vec<(Hit<'_>, usize)> = Vec::new();
        for e in &self.entries {
            if let Some(c) = &category
                && !e.lower[2].contains(c.as_str())
            {
                continue;
            }
            if words.is_empty() {
                if category.is_some() {
                    ranked.push((
                        Hit {
                            entry: e,
                            score: 0.0,
                        },
                        0,
                    ));
                }
                continue;
            }
            let (mut matched, mut weight, mut first) = (0u32, 0u32, usize::MAX);
            for w in &words {
                let in_q = e.lower[0].find(w.as_str());
                let in_a = e.lower[1].contains(w.as_str());
                let in_c = e.lower[2].contains(w.as_str());
                if in_q.is_some() || in_a || in_c {
                    matched += 1;
                }
                weight += 10 * in_q.is_some() as u32 + 3 * in_a as u32 + 2 * in_c as u32;
                if let Some(at) = in_q {
                    first = first.min(e.lower[0][..at].chars().count());
                }
            }
            if matched == 0 {
                continue;
            }
            let all = matched as usize == words.len();
            let score = 1000 * all as u32 + 200 * matched + weight;
            ranked.push((
                Hit {
                    entry: e,
                    score: score as f64,
                },
                first,
            ));
        }
        ranked.sort_by(|(a, fa), (b, fb)| {
            b.score
                .total_cmp(&a.score)
                .then(fa.cmp(fb))
                .then(
                    a.entry
                        .question
                        .chars()
                        .count()
                        .cmp(&b.entry.question.chars().count()),
                )
                .then(a.entry.id.cmp(&b.entry.id))
        });
        let total = ranked.len();
        let hits = ranked.into_iter().take(limit).map(|(h, _)| h).collect();
        (hits, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn bundled_file_is_clean_and_broad() {
        let (kb, skipped) = KnowledgeBase::parse(BUNDLED_TSV);
        assert_eq!(skipped, 0, "every line has six fields");
        assert!(kb.entries().len() >= 100, "{}", kb.entries().len());
        let ids: HashSet<_> = kb.entries().iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), kb.entries().len(), "ids are unique");
        for cat in [
            "교통",
            "세무",
            "환경",
            "민원",
            "도시",
            "복지",
            "여권",
            "주민등록",
            "버스",
        ] {
            assert!(
                kb.entries()
                    .iter()
                    .filter(|e| e.category.contains(cat))
                    .count()
                    >= 5,
                "category {cat} has entries"
            );
        }
    }

    #[test]
    fn passport_and_car_tax_queries_find_their_entries() {
        let kb = KnowledgeBase::bundled();
        let (hits, total) = kb.search("여권", None, 5);
        assert!(total >= 5);
        assert!(
            hits.iter()
                .any(|h| h.entry.question.contains("여권 재발급 절차")),
            "여권 finds 여권 재발급 절차"
        );
        let (hits, _) = kb.search("자동차세", None, 3);
        assert!(hits[0].entry.question.contains("자동차세"));
        assert!(
            hits.iter()
                .any(|h| h.entry.question.contains("자동차세 연납 할인"))
        );
        let (hits, _) = kb.search("자동차세 연납", None, 1);
        assert!(hits[0].entry.question.contains("자동차세 연납 할인"));
    }

    #[test]
    fn ranking_prefers_all_words_then_question_matches() {
        let text = "A\t여권\t여권 분실 신고\t분실 시 신고합니다\tD\tT\n\
                    B\t여권\t여권 발급 수수료\t수수료는 5만원\tD\tT\n\
                    C\t기타\t수수료 안내\t여권 발급 수수료 안내\tD\tT\n\
                    D\t여권\t아주 긴 질문 여권 관련 안내\t없음\tD\tT\n";
        let (kb, skipped) = KnowledgeBase::parse(text);
        assert_eq!(skipped, 0);
        let (hits, total) = kb.search("여권 수수료", None, 10);
        let ids: Vec<_> = hits.iter().map(|h| h.entry.id.as_str()).collect();
        assert_eq!(total, 4);
        assert_eq!(ids[0], "B", "both words in the question");
        assert_eq!(ids[1], "C", "both words, one only in the answer");
        assert_eq!(&ids[2..], ["A", "D"], "one word: earlier position first");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        let (hits, total) = kb.search("", Some("여권"), 10);
        assert_eq!((hits.len(), total), (3, 3));
        let (_, total) = kb.search("수수료", Some("기타"), 10);
        assert_eq!(total, 1);
        assert_eq!(kb.search("PASSPORT", None, 1).1, 0);
        assert_eq!(kb.search("없는말", None, 1).1, 0);
    }

    #[test]
    fn matching_is_case_insensitive() {
        let (kb, _) = KnowledgeBase::parse("X\t교통\tKTX 광명역 버스\t답\tD\tT\n");
        assert_eq!(kb.search("ktx", None, 1).1, 1);
    }
}
