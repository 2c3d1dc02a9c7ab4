//! Korean analysis for the knowledge index: the same function turns an entry's text and a
//! citizen's query into index terms, so whatever a query says is looked up the way it was
//! indexed.
//!
//! No Korean dictionary can be built here without a download at build time (lindera's
//! `ko-dic` fetches mecab-ko-dic while compiling), so the analysis is the one Lucene's CJK
//! analyzer uses — overlapping character bigrams — plus what bigrams alone miss:
//! - **particles and endings**: a word's josa/eomi (을, 에서, 했어요, 하나요, …) is cut before
//!   bigramming, so "여권을" and "여권" give the same terms;
//! - **spacing**: a bigram is also made across each word boundary, so "여권분실" (one word)
//!   meets "여권을 분실" (two) and "주민 등록증" meets "주민등록증";
//! - **synonyms**: the concept token of every [`Synonyms`] group whose term appears in the text
//!   with spaces removed ("잃어버렸어요" → the 분실 concept);
//! - **route numbers**: "60-3번" → `60-3`, kept whole;
//! - Latin letters and digits as lowercase words.

use super::synonyms::Synonyms;

/// Josa and verb endings cut from the end of a Hangul word, longest first. A cut must leave at
/// least two characters, so short nouns ending in the same syllable (나이, 차가) keep it.
const SUFFIXES: &[&str] = &[
    "했는데요",
    "하려면요",
    "되었어요",
    "됐는데요",
    "인가요",
    "했어요",
    "해야해요",
    "하려면",
    "했는데",
    "하는데",
    "하나요",
    "되나요",
    "됐어요",
    "있나요",
    "없나요",
    "인데요",
    "습니다",
    "합니다",
    "입니다",
    "어요",
    "아요",
    "해요",
    "나요",
    "가요",
    "에서",
    "으로",
    "에게",
    "한테",
    "까지",
    "부터",
    "처럼",
    "보다",
    "하고",
    "이랑",
    "려면",
    "는데",
    "은데",
    "해서",
    "하면",
    "으면",
    "세요",
    "이요",
    "예요",
    "에요",
    "했",
    "요",
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "에",
    "로",
    "의",
    "도",
    "만",
    "와",
    "과",
    "랑",
];

/// The prefix of a synonym concept's token, a character no text token starts with.
pub const CONCEPT_PREFIX: char = '§';

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The word with its particle or ending cut (see [`SUFFIXES`]).
pub fn stem(word: &str) -> &str {
    let n = word.chars().count();
    for s in SUFFIXES {
        if let Some(rest) = word.strip_suffix(s)
            && n - s.chars().count() >= 2
        {
            return rest;
        }
    }
    word
}

/// The route number a query names ("60-3번 버스" → `60-3`, "1002번" → `1002`), if any: a
/// run of digits, optionally with `-digits`, written before 번 or on its own beside 버스.
pub fn route_number(text: &str) -> Option<String> {
    let bus = text.contains("버스") || text.contains("노선");
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == '?') {
        let digits: String = word
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        let digits = digits.trim_end_matches('-');
        if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let rest = &word[digits.len()..];
        let named = rest.starts_with('번') || (bus && rest.is_empty()) || digits.contains('-');
        if named && digits.len() <= 10 {
            return Some(digits.to_string());
        }
    }
    None
}

/// One run of a word: Hangul, or Latin letters and digits (with `-` inside digits).
fn runs(word: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in word.chars() {
        let kind = if is_hangul(c) {
            Some(true)
        } else if c.is_alphanumeric() || (c == '-' && out.last().is_some_and(|(h, _)| !h)) {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((lk, s))) if *lk == k => s.push(c),
            (Some(k), _) => out.push((k, c.to_string())),
            (None, _) => out.push((false, String::new())),
        }
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

fn bigrams(stem: &[char], out: &mut Vec<String>) {
    match stem.len() {
        0 => {}
        1 => out.push(stem[0].to_string()),
        _ => out.extend(stem.windows(2).map(|w| w.iter().collect())),
    }
}

/// The index terms of `text`, in order (repeats kept: they are term frequencies).
pub fn analyze(text: &str, synonyms: &Synonyms) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let mut prev_last: Option<char> = None;
    for word in lower.split_whitespace() {
        for (hangul, run) in runs(word) {
            if hangul {
                let stemmed: Vec<char> = stem(&run).chars().collect();
                if let (Some(p), Some(first)) = (prev_last, stemmed.first()) {
                    out.push(format!("{p}{first}"));
                }
                bigrams(&stemmed, &mut out);
                prev_last = stemmed.last().copied();
            } else {
                let t = run.trim_matches('-');
                if !t.is_empty() {
                    out.push(t.to_string());
                }
                prev_last = None;
            }
        }
    }
    if let Some(r) = route_number(&lower)
        && !out.contains(&r)
    {
        out.push(r);
    }
    out.extend(
        synonyms
            .concepts_in(&lower)
            .map(|c| format!("{CONCEPT_PREFIX}{c}")),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        analyze(s, &Synonyms::bundled())
    }

    fn shares(a: &str, b: &str) -> usize {
        let tb = terms(b);
        let mut ta = terms(a);
        ta.dedup();
        ta.iter().filter(|t| tb.contains(t)).count()
    }

    #[test]
    fn particles_and_endings_are_cut_before_bigrams() {
        assert_eq!(stem("여권을"), "여권");
        assert_eq!(stem("주민등록증을"), "주민등록증");
        assert_eq!(stem("분실했어요"), "분실");
        assert_eq!(stem("차가"), "차가", "a cut leaves two characters");
        assert_eq!(stem("나이"), "나이");
        let a = terms("여권을 분실했어요");
        assert!(a.contains(&"여권".to_string()) && a.contains(&"분실".to_string()));
        assert!(
            !a.iter().any(|t| t.contains('을') || t.contains('요')),
            "{a:?}"
        );
    }

    #[test]
    fn spacing_does_not_change_what_matches() {
        let joined = terms("여권분실");
        for t in ["여권", "분실", "권분"] {
            assert!(joined.contains(&t.to_string()), "{t} in {joined:?}");
        }
        let spaced = terms("여권을 분실");
        assert!(
            spaced.contains(&"권분".to_string()),
            "cross-boundary bigram"
        );
        assert_eq!(
            shares("주민 등록증", "주민등록증"),
            terms("주민 등록증").len()
        );
    }

    #[test]
    fn synonyms_meet_across_words() {
        let concept = format!("{CONCEPT_PREFIX}분실");
        assert!(terms("주민등록증을 잃어버렸어요").contains(&concept));
        assert!(terms("분실 신고는 어떻게").contains(&concept));
        let noise = format!("{CONCEPT_PREFIX}층간소음");
        assert!(terms("윗집 소음이 심해요").contains(&noise));
        assert!(terms("층간소음 분쟁").contains(&noise));
        assert!(terms("쓰레기봉투").contains(&format!("{CONCEPT_PREFIX}종량제봉투")));
        assert!(!terms("여권 사진").contains(&concept));
    }

    #[test]
    fn route_numbers_keep_their_suffix() {
        assert_eq!(
            route_number("60-3번 버스 어디 가요").as_deref(),
            Some("60-3")
        );
        assert_eq!(route_number("1002번 첫차").as_deref(), Some("1002"));
        assert_eq!(route_number("버스 70 막차").as_deref(), Some("70"));
        assert_eq!(route_number("60-3").as_deref(), Some("60-3"));
        assert_eq!(route_number("코로나19 예방접종"), None);
        assert_eq!(route_number("2024년 재산세"), None);
        assert!(terms("60-3번 버스").contains(&"60-3".to_string()));
    }

    #[test]
    fn latin_and_digits_are_lowercase_words() {
        let t = terms("CCTV 설치, LPG 차량");
        assert!(t.contains(&"cctv".to_string()) && t.contains(&"lpg".to_string()));
        assert!(terms("코로나19").contains(&"19".to_string()));
    }
}
