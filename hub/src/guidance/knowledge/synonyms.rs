//! The synonym table, kept as data (`hub/knowledge/synonyms.toml`, compiled in, overridable
//! with `[knowledge] synonyms_file`): concept groups whose terms are looked for, spaces
//! removed, in every text the analyzer sees.

use serde::Deserialize;

/// The bundled table.
pub const BUNDLED: &str = include_str!("../../../knowledge/synonyms.toml");

/// A synonym table that cannot be used, with what to fix.
#[derive(Debug, thiserror::Error)]
#[error("synonym table: {0}")]
pub struct SynonymError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    group: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    name: String,
    terms: Vec<String>,
}

/// Concept groups, each with its terms (lowercase, spaces removed).
#[derive(Debug, Clone)]
pub struct Synonyms {
    groups: Vec<(String, Vec<String>)>,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Synonyms {
    /// The bundled table.
    pub fn bundled() -> Self {
        // The bundled file is checked by a test; failing here is a build defect.
        Self::parse(BUNDLED).expect("the bundled synonym table parses")
    }

    /// Parses a table: every group needs a name without spaces and at least one term of two
    /// characters or more (a single character would match inside too many words).
    pub fn parse(text: &str) -> Result<Self, SynonymError> {
        let f: File = toml::from_str(text).map_err(|e| SynonymError(e.message().to_string()))?;
        let mut groups = Vec::with_capacity(f.group.len());
        for (i, g) in f.group.into_iter().enumerate() {
            let name = g.name.trim().to_string();
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                return Err(SynonymError(format!(
                    "group {}: name must be one word",
                    i + 1
                )));
            }
            let terms: Vec<String> = g.terms.iter().map(|t| squash(t)).collect();
            if terms.is_empty() {
                return Err(SynonymError(format!("group {name}: no terms")));
            }
            if let Some(t) = terms.iter().find(|t| t.chars().count() < 2) {
                return Err(SynonymError(format!(
                    "group {name}: term {t:?} is shorter than two characters"
                )));
            }
            groups.push((name, terms));
        }
        Ok(Synonyms { groups })
    }

    /// Number of concept groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether the table has no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The concepts whose terms occur in `text` (spaces ignored), in table order.
    pub fn concepts_in<'a>(&'a self, text: &str) -> impl Iterator<Item = &'a str> + 'a {
        let squashed = squash(text);
        self.groups
            .iter()
            .filter(move |(_, terms)| terms.iter().any(|t| squashed.contains(t.as_str())))
            .map(|(name, _)| name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_parses_and_holds_the_issue_pairs() {
        let s = Synonyms::bundled();
        assert!(s.len() >= 20);
        let has = |text: &str, concept: &str| s.concepts_in(text).any(|c| c == concept);
        assert!(has("잃어버렸어요", "분실"));
        assert!(has("쓰레기봉투", "종량제봉투"));
        assert!(has("이사했어요", "전입"));
        assert!(has("주차위반", "주정차"));
        assert!(has("딱지", "과태료"));
        assert!(has("아기가 태어났어요", "출산"));
        assert!(has("냉장고", "폐가전"));
        assert!(has("윗집소음", "층간소음"));
    }

    #[test]
    fn a_bad_table_is_refused_with_the_group_named() {
        let e = Synonyms::parse("[[group]]\nname = \"x\"\nterms = [\"a\"]\n").unwrap_err();
        assert!(e.to_string().contains("shorter than two"), "{e}");
        let e = Synonyms::parse("[[group]]\nname = \"x y\"\nterms = [\"ab\"]\n").unwrap_err();
        assert!(e.to_string().contains("one word"), "{e}");
        assert!(Synonyms::parse("[[group]]\nname = \"x\"\n").is_err());
    }
}
