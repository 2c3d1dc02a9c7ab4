//! The tantivy index over the active entries of one base, built in RAM in one go and never
//! changed afterwards (a new base is a new index, swapped in whole by [`super::store`]).
//!
//! Fields: question (weight 2), answer (1) and category (1.5), all analyzed by
//! [`super::analyzer`] through the `ko` tokenizer; the category again as one raw term for the
//! category filter; the entry's position in the base, stored. Ranking is tantivy's BM25 over a
//! query of every distinct query term on every field (any may match), a synonym concept
//! weighing a little more than a bigram because it stands for a whole word.

use super::analyzer::{self, CONCEPT_PREFIX};
use super::base::{Entry, Status};
use super::synonyms::Synonyms;
use std::sync::Arc;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

/// The tokenizer's registered name.
const TOKENIZER: &str = "ko";
/// Field weights.
const QUESTION_BOOST: f32 = 2.0;
const ANSWER_BOOST: f32 = 1.0;
const CATEGORY_BOOST: f32 = 1.5;
/// Extra weight of a synonym concept over a bigram.
const CONCEPT_BOOST: f32 = 1.5;
/// Most distinct query terms used (a 200-character query gives fewer).
const MAX_QUERY_TERMS: usize = 256;

/// An index that could not be built (a defect, not bad input: the base was checked).
#[derive(Debug, thiserror::Error)]
#[error("building the knowledge index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// [`analyzer::analyze`] as a tantivy tokenizer.
#[derive(Clone)]
struct KoTokenizer {
    synonyms: Arc<Synonyms>,
}

/// The terms of one text, handed out one by one.
struct Terms {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Terms {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for KoTokenizer {
    type TokenStream<'a> = Terms;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Terms {
        let tokens = analyzer::analyze(text, &self.synonyms)
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            })
            .collect();
        Terms { tokens, next: 0 }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    question: Field,
    answer: Field,
    category: Field,
    category_raw: Field,
    ord: Field,
}

/// One hit: the entry's position in the base and its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into the base's entries.
    pub ord: usize,
    /// BM25 relevance; comparable within one search only.
    pub score: f32,
}

/// A built, read-only index.
pub struct KnowledgeIndex {
    reader: IndexReader,
    fields: Fields,
    synonyms: Arc<Synonyms>,
}

impl KnowledgeIndex {
    /// Indexes the active entries of `entries` (retired ones are never answered).
    pub fn build(entries: &[Entry], synonyms: Arc<Synonyms>) -> Result<Self, IndexError> {
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            question: sb.add_text_field("question", text.clone()),
            answer: sb.add_text_field("answer", text.clone()),
            category: sb.add_text_field("category", text),
            category_raw: sb.add_text_field("category_raw", STRING),
            ord: sb.add_u64_field("ord", STORED),
        };
        let index = Index::create_in_ram(sb.build());
        index.tokenizers().register(
            TOKENIZER,
            KoTokenizer {
                synonyms: synonyms.clone(),
            },
        );
        // One indexing thread with tantivy's smallest budget: a city base is a few MB.
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (ord, e) in entries.iter().enumerate() {
            if e.status != Status::Active {
                continue;
            }
            writer.add_document(doc!(
                fields.question => e.question.as_str(),
                fields.answer => e.answer.as_str(),
                fields.category => e.category.as_str(),
                fields.category_raw => e.category.as_str(),
                fields.ord => ord as u64,
            ))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(KnowledgeIndex {
            reader,
            fields,
            synonyms,
        })
    }

    fn query(&self, text: &str, category: Option<&str>) -> Option<Box<dyn Query>> {
        let mut terms = analyzer::analyze(text, &self.synonyms);
        terms.sort();
        terms.dedup();
        terms.truncate(MAX_QUERY_TERMS);
        let f = self.fields;
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms {
            let extra = if t.starts_with(CONCEPT_PREFIX) {
                CONCEPT_BOOST
            } else {
                1.0
            };
            for (field, boost) in [
                (f.question, QUESTION_BOOST),
                (f.answer, ANSWER_BOOST),
                (f.category, CATEGORY_BOOST),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                any.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), boost * extra)),
                ));
            }
        }
        if any.is_empty() {
            return None;
        }
        let any: Box<dyn Query> = Box::new(BooleanQuery::new(any));
        Some(match category {
            Some(c) => Box::new(BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.category_raw, c),
                        IndexRecordOption::Basic,
                    )),
                ),
                (Occur::Must, any),
            ])),
            None => any,
        })
    }

    /// The best `limit` hits for `text` (optionally within one category), and how many
    /// entries matched in all.
    pub fn search(
        &self,
        text: &str,
        category: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Hit>, usize), IndexError> {
        let Some(query) = self.query(text, category) else {
            return Ok((Vec::new(), 0));
        };
        let searcher = self.reader.searcher();
        let (total, top) = searcher.search(
            &query,
            &(Count, TopDocs::with_limit(limit.max(1)).order_by_score()),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            if let Some(ord) = d.get_first(self.fields.ord).and_then(|v| v.as_u64()) {
                hits.push(Hit {
                    ord: ord as usize,
                    score,
                });
            }
        }
        Ok((hits, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guidance::knowledge::base;

    fn index() -> (Vec<Entry>, KnowledgeIndex) {
        let entries = base::parse(base::BUNDLED).unwrap();
        let idx = KnowledgeIndex::build(&entries, Arc::new(Synonyms::bundled())).unwrap();
        (entries, idx)
    }

    fn first(entries: &[Entry], idx: &KnowledgeIndex, q: &str) -> String {
        let (hits, _) = idx.search(q, None, 3).unwrap();
        entries[hits[0].ord].id.clone()
    }

    #[test]
    fn the_issue_questions_find_their_entries_first() {
        let (entries, idx) = index();
        assert_eq!(
            first(&entries, &idx, "주민등록증을 잃어버렸어요"),
            "RES-001"
        );
        let lost_passport = first(&entries, &idx, "여권분실");
        assert!(
            ["KB-0005", "PAS-006"].contains(&lost_passport.as_str()),
            "{lost_passport}"
        );
        assert_eq!(first(&entries, &idx, "택시기사가 불친절했어요"), "TRF-001");
    }

    #[test]
    fn retired_entries_are_never_answered() {
        let (entries, idx) = index();
        let (hits, _) = idx.search("코로나19 긴급재난지원금", None, 50).unwrap();
        assert!(hits.iter().all(|h| entries[h.ord].status == Status::Active));
    }

    #[test]
    fn the_category_filter_keeps_one_category() {
        let (entries, idx) = index();
        let (hits, total) = idx.search("분실", Some("여권"), 50).unwrap();
        assert!(total >= 2 && hits.len() == total);
        assert!(hits.iter().all(|h| entries[h.ord].category == "여권"));
        let (none, n) = idx.search("분실", Some("없는분류"), 5).unwrap();
        assert!(none.is_empty() && n == 0);
    }

    #[test]
    fn a_query_of_punctuation_matches_nothing() {
        let (_, idx) = index();
        assert_eq!(idx.search("?!", None, 5).unwrap().1, 0);
    }
}
