//! Scrubbing a search query of anything that looks personal, then normalizing it, before it
//! is counted as a knowledge gap. What is kept is what a content editor needs to write an
//! entry ("[전화번호] 바꾸는 법"), never the value itself.
//!
//! Replaced, in this order:
//! - a word with `@` → `[이메일]`;
//! - a Korean vehicle plate (`12가3456`, `123 가 4567`, after an optional region such as
//!   `서울`, whose name is kept) → `[차량번호]`, the shapes [`minwon_connector_sdk::VehicleNumber`]
//!   accepts;
//! - a run of digits joined by `-` `.` `/` or single blanks holding 6 or more digits →
//!   `[주민번호]` (13 digits, 6 before the first separator or none), `[전화번호]` (9–11
//!   digits starting with 0, or 8 starting with 1: 1588-…), `[카드번호]` (15–16 digits),
//!   otherwise `[번호]` (account numbers, customer numbers, anything else);
//!
//! Full-width digits count as digits. Names cannot be found reliably; the last guard is that
//! a result still holding 6 or more consecutive digits of any script is not stored at all
//! ([`scrub`] returns `None`). Shorter numbers stay: bus routes ("60-3번"), years, amounts.
//!
//! Normalizing: trimmed, blanks collapsed to one space, lower-case — the grouping key.

/// Fewest digits in a run that is treated as a personal number.
pub const MIN_PERSONAL_DIGITS: usize = 6;

/// The normalized, scrubbed query, or `None` when nothing storable is left (empty, or a
/// digit run of [`MIN_PERSONAL_DIGITS`] or more survived).
pub fn scrub(query: &str) -> Option<String> {
    let ascii: String = query.chars().map(ascii_digit).collect();
    let words: Vec<String> = ascii
        .split_whitespace()
        .map(|w| {
            if w.contains('@') {
                "[이메일]".to_string()
            } else {
                w.to_string()
            }
        })
        .collect();
    let joined = words.join(" ");
    let plates = replace_plates(&joined.chars().collect::<Vec<_>>());
    let numbers = replace_number_runs(&plates);
    let out = normalize(&numbers);
    (!out.is_empty() && !has_digit_run(&out, MIN_PERSONAL_DIGITS)).then_some(out)
}

/// Trim, collapse blanks, lower-case.
pub fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `s` holds `n` or more consecutive numeric characters (any script).
pub fn has_digit_run(s: &str, n: usize) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if c.is_numeric() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Full-width `０`–`９` as ASCII.
fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        _ => c,
    }
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Digits starting at `i`: how many.
fn digits_at(s: &[char], i: usize) -> usize {
    s[i.min(s.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// A plate starting at `i` (which is not preceded by a digit): its length in chars.
fn plate_at(s: &[char], i: usize) -> Option<usize> {
    let lead = digits_at(s, i);
    if !(2..=3).contains(&lead) {
        return None;
    }
    let mut j = i + lead;
    if s.get(j) == Some(&' ') {
        j += 1;
    }
    if !s.get(j).copied().is_some_and(is_hangul_syllable) {
        return None;
    }
    j += 1;
    if s.get(j) == Some(&' ') {
        j += 1;
    }
    (digits_at(s, j) == 4).then_some(j + 4 - i)
}

fn replace_plates(s: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let after_digit = i > 0 && s[i - 1].is_ascii_digit();
        if !after_digit && let Some(len) = plate_at(s, i) {
            out.extend("[차량번호]".chars());
            i += len;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Separators that may join the digit groups of one number.
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '.' | '/' | ' ')
}

fn replace_number_runs(s: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        // The run: digit groups joined by single separators.
        let start = i;
        let mut end = i;
        let mut groups: Vec<usize> = Vec::new();
        loop {
            let n = digits_at(s, end);
            groups.push(n);
            end += n;
            if end + 1 < s.len() && is_joiner(s[end]) && s[end + 1].is_ascii_digit() {
                end += 1;
            } else {
                break;
            }
        }
        let total: usize = groups.iter().sum();
        if total >= MIN_PERSONAL_DIGITS {
            out.push_str(label(&s[start..end], &groups, total));
        } else {
            out.extend(&s[start..end]);
        }
        i = end;
    }
    out
}

fn label(run: &[char], groups: &[usize], total: usize) -> &'static str {
    let first = run[0];
    match total {
        13 if groups[0] == 6 || groups.len() == 1 => "[주민번호]",
        9..=11 if first == '0' => "[전화번호]",
        8 if first == '1' && groups.len() <= 2 => "[전화번호]",
        15 | 16 => "[카드번호]",
        _ => "[번호]",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn personal_numbers_become_placeholders() {
        let cases = [
            ("주민번호 900101-1234567 조회", "주민번호 [주민번호] 조회"),
            ("9001011234567", "[주민번호]"),
            (
                "제 번호 010-1234-5678 로 연락",
                "제 번호 [전화번호] 로 연락",
            ),
            ("01012345678", "[전화번호]"),
            ("031 980 2114", "[전화번호]"),
            ("1588-1234", "[전화번호]"),
            (
                "카드 1234-5678-9012-3456 결제취소",
                "카드 [카드번호] 결제취소",
            ),
            ("국민은행 123-45-678901 환불", "국민은행 [번호] 환불"),
            ("고객번호 202012345678", "고객번호 [번호]"),
            (
                "hong.gildong@example.com 로 보내주세요",
                "[이메일] 로 보내주세요",
            ),
            ("12가3456 과태료", "[차량번호] 과태료"),
            ("서울 123 가 4567 견인", "서울 [차량번호] 견인"),
            ("서울12가3456", "서울[차량번호]"),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input).as_deref(), Some(want), "{input}");
        }
        // Full-width digits are digits.
        assert_eq!(
            scrub("０１０１２３４５６７８").as_deref(),
            Some("[전화번호]")
        );
    }

    #[test]
    fn short_numbers_and_words_are_kept_and_normalized() {
        assert_eq!(
            scrub("  60-3번   버스 어디 가요 ").as_deref(),
            Some("60-3번 버스 어디 가요")
        );
        assert_eq!(
            scrub("2026년 자동차세 연납").as_deref(),
            Some("2026년 자동차세 연납")
        );
        assert_eq!(scrub("KTX 시간표").as_deref(), Some("ktx 시간표"));
        assert_eq!(scrub("과태료 40000원").as_deref(), Some("과태료 40000원"));
        assert_eq!(scrub("   "), None);
    }

    #[test]
    fn a_digit_run_that_survives_means_nothing_is_stored() {
        // Arabic-Indic digits are numeric but not ASCII: not parsed as a number, so the guard
        // drops the whole query.
        assert_eq!(scrub("번호 ٠١٢٣٤٥٦٧٨٩"), None);
        assert!(has_digit_run("a123456", 6));
        assert!(!has_digit_run("12345 6", 6));
    }

    proptest! {
        #[test]
        fn no_run_of_six_digits_ever_survives(q in "[0-9０-９가-힣a-z@. /-]{0,80}") {
            if let Some(s) = scrub(&q) {
                prop_assert!(!has_digit_run(&s, MIN_PERSONAL_DIGITS), "{q:?} -> {s:?}");
            }
        }

        #[test]
        fn no_run_survives_in_any_text(q in "\\PC{0,60}") {
            if let Some(s) = scrub(&q) {
                prop_assert!(!has_digit_run(&s, MIN_PERSONAL_DIGITS), "{q:?} -> {s:?}");
                prop_assert_eq!(normalize(&s), s.clone());
            }
        }

        #[test]
        fn a_phone_number_anywhere_is_gone(
            pre in "[가-힣 ]{0,10}",
            a in 10u32..100, b in 1000u32..10000, c in 1000u32..10000,
            sep in "[- .]",
            post in "[가-힣 ]{0,10}",
        ) {
            let number = format!("0{a}{sep}{b}{sep}{c}");
            let q = format!("{pre} {number} {post}");
            let s = scrub(&q).unwrap();
            prop_assert!(!s.contains(&b.to_string()) && !s.contains(&c.to_string()), "{s}");
        }
    }
}
