//! The consultation base as a file (`hub/knowledge/base.toml`, compiled in as the sample; a
//! city's own base imported with `minwon-hub knowledge import FILE`): parsing, the checks an
//! import must pass before it may replace what is served, and review due dates.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;

/// The bundled SAMPLE base.
pub const BUNDLED: &str = include_str!("../../../knowledge/base.toml");

/// Largest base accepted, in entries (a city's is about a thousand).
pub const MAX_ENTRIES: usize = 20_000;

/// A base file that cannot be served, with what to fix (no entry text is quoted).
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    /// Not TOML of the expected shape.
    #[error("knowledge base: not a valid base file: {0}")]
    Format(String),
    /// An entry breaks a rule.
    #[error("knowledge base: entry {index} ({id}): {problem}")]
    Entry {
        /// 1-based position in the file.
        index: usize,
        /// The entry's id as written (ids are public codes, never personal data).
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// Nothing to serve.
    #[error("knowledge base: {0}")]
    Size(String),
}

/// Whether an entry is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Searched and answered.
    Active,
    /// Kept for the record; never answered, not due for review.
    Retired,
}

/// One consultation entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id, e.g. `RES-001`.
    pub id: String,
    /// Category, e.g. `주민등록`.
    pub category: String,
    /// The question as usually put.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// Department in charge.
    pub department: String,
    /// The department's phone.
    pub phone: String,
    /// Last content review.
    pub reviewed_at: NaiveDate,
    /// Review period: `30d`, `12w`, `6m`, `1y`.
    pub review_every: String,
    /// Active or retired.
    pub status: Status,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    entry: Vec<Entry>,
}

/// A review period in days: `90d`, `12w`, `6m` (30 days each), `1y` (365 days).
pub fn period_days(s: &str) -> Option<i64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| (1..=3650).contains(n))?;
    let per = match unit {
        "d" => 1,
        "w" => 7,
        "m" => 30,
        "y" => 365,
        _ => return None,
    };
    Some(n * per).filter(|d| *d <= 3650)
}

impl Entry {
    /// The day its next review is due.
    pub fn review_due(&self) -> NaiveDate {
        let days = period_days(&self.review_every).unwrap_or(0);
        self.reviewed_at + chrono::Duration::days(days)
    }

    /// Whether it is active and past its review date on `today`.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        self.status == Status::Active && self.review_due() < today
    }
}

/// Checks one entry against the base rules (`index` is its 1-based position, for the message).
pub fn check(index: usize, e: &Entry) -> Result<(), BaseError> {
    let bad = |problem: &str| BaseError::Entry {
        index,
        id: e.id.chars().take(40).collect(),
        problem: problem.to_string(),
    };
    let id_ok = !e.id.is_empty()
        && e.id.len() <= 40
        && e.id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':');
    if !id_ok {
        return Err(bad("id: 1 to 40 of A-Z a-z 0-9 - _ :"));
    }
    for (name, value, max) in [
        ("category", &e.category, 50),
        ("question", &e.question, 500),
        ("answer", &e.answer, 5000),
        ("department", &e.department, 100),
        ("phone", &e.phone, 30),
    ] {
        let n = value.trim().chars().count();
        if n == 0 || n > max {
            return Err(bad(&format!("{name}: 1 to {max} characters")));
        }
    }
    if period_days(&e.review_every).is_none() {
        return Err(bad("review_every: a period such as 90d, 12w, 6m or 1y"));
    }
    Ok(())
}

/// The bytes of `text` before `at` (a byte offset, not necessarily a character boundary).
fn bytes_before(text: &str, at: usize) -> std::slice::Iter<'_, u8> {
    text.as_bytes()[..at.min(text.len())].iter()
}

/// Parses and checks a base file: TOML `[[entry]]` tables, unique ids, every field present and
/// within bounds, a valid review period, at least one active entry.
pub fn parse(text: &str) -> Result<Vec<Entry>, BaseError> {
    // The parser's own message without the quoted source line: the line number is enough to
    // find it, and logs of a refused file then hold no part of it.
    let f: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| bytes_before(text, s.start).filter(|b| **b == b'\n').count() + 1);
        BaseError::Format(match line {
            Some(l) => format!("line {l}: {}", e.message()),
            None => e.message().to_string(),
        })
    })?;
    if f.entry.len() > MAX_ENTRIES {
        return Err(BaseError::Size(format!(
            "{} entries; at most {MAX_ENTRIES}",
            f.entry.len()
        )));
    }
    let mut seen = HashSet::new();
    for (i, e) in f.entry.iter().enumerate() {
        check(i + 1, e)?;
        if !seen.insert(e.id.as_str()) {
            return Err(BaseError::Entry {
                index: i + 1,
                id: e.id.clone(),
                problem: "id used twice".into(),
            });
        }
    }
    if !f.entry.iter().any(|e| e.status == Status::Active) {
        return Err(BaseError::Size("no active entry".into()));
    }
    Ok(f.entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[entry]]
id = "T-1"
category = "여권"
question = "여권 재발급"
answer = "창구에서 신청합니다."
department = "민원여권과"
phone = "031-000-0000"
reviewed_at = "2026-01-10"
review_every = "90d"
status = "active"
"#;

    #[test]
    fn the_bundled_sample_is_city_sized_and_valid() {
        let base = parse(BUNDLED).expect("bundled base");
        assert!(base.len() >= 400, "{}", base.len());
        let cats: HashSet<&str> = base.iter().map(|e| e.category.as_str()).collect();
        for c in [
            "교통",
            "세무/세정",
            "환경",
            "상하수도",
            "보건",
            "가족관계등록",
            "주정차",
        ] {
            assert!(cats.contains(c), "{c}");
        }
        assert!(base.iter().any(|e| e.status == Status::Retired));
        assert!(BUNDLED.starts_with("# SAMPLE DATA"));
    }

    #[test]
    fn periods_read_as_operators_write_them() {
        assert_eq!(period_days("90d"), Some(90));
        assert_eq!(period_days("12w"), Some(84));
        assert_eq!(period_days("6m"), Some(180));
        assert_eq!(period_days("1y"), Some(365));
        for bad in ["", "d", "0d", "90", "1x", "-1y", "11y"] {
            assert_eq!(period_days(bad), None, "{bad}");
        }
    }

    #[test]
    fn review_is_due_after_the_period_and_never_for_retired_entries() {
        let mut e = parse(ONE).unwrap().remove(0);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(e.review_due(), d("2026-04-10"));
        assert!(!e.is_stale(d("2026-04-10")));
        assert!(e.is_stale(d("2026-04-11")));
        e.status = Status::Retired;
        assert!(!e.is_stale(d("2027-01-01")));
    }

    #[test]
    fn bad_files_are_refused_with_the_entry_named() {
        let twice = format!("{ONE}{ONE}");
        let e = parse(&twice).unwrap_err().to_string();
        assert!(e.contains("entry 2 (T-1)") && e.contains("twice"), "{e}");
        let e = parse(&ONE.replace("\"90d\"", "\"soon\"")).unwrap_err();
        assert!(e.to_string().contains("review_every"), "{e}");
        let e = parse(&ONE.replace("answer = \"창구에서 신청합니다.\"", "answer = \" \""));
        assert!(e.unwrap_err().to_string().contains("answer"));
        assert!(parse(&ONE.replace("active", "draft")).is_err());
        assert!(parse("").is_err(), "an empty base would serve nothing");
        assert!(parse(&ONE.replace("status", "statu")).is_err());
        let e = parse("[[entry]]\nid = \"A-1\"\nnot toml [")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && !e.contains("not toml"), "{e}");
    }
}
