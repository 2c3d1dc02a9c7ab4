//! Masked forms of personal values, following Korean public-sector convention.
//!
//! Pure functions on strings; the hub decides *whether* to mask (policy), these decide *how*.
//! Every function is total: odd input yields a fully masked value, never the original.

/// RRN `900101-1234567` → `900101-1******` (birth date and gender digit kept).
pub fn rrn(value: &str) -> String {
    // Built in place: it runs for every case of every answer.
    let (kept, count) = ascii_digits::<7>(value);
    if count != 13 {
        return "******-*******".to_string();
    }
    let mut out = String::with_capacity(14);
    out.extend(kept[..6].iter().map(|&b| char::from(b)));
    out.push('-');
    out.push(char::from(kept[6]));
    out.push_str("******");
    out
}

/// Name `홍길동` → `홍*동`, `김철` → `김*`, `남궁민수` → `남**수`; one character → `*`.
pub fn name(value: &str) -> String {
    let value = value.trim();
    let mut chars = value.chars();
    let (Some(first), n) = (chars.next(), value.chars().count()) else {
        return String::new();
    };
    let mut out = String::with_capacity(value.len());
    match n {
        1 => out.push('*'),
        2 => {
            out.push(first);
            out.push('*');
        }
        _ => {
            out.push(first);
            out.extend(std::iter::repeat_n('*', n - 2));
            out.extend(chars.next_back());
        }
    }
    out
}

/// Phone `010-1234-5678` → `010-****-5678` (middle group hidden; digits-only input too).
pub fn phone(value: &str) -> String {
    let (digits, n) = ascii_digits::<11>(value);
    if !(9..=11).contains(&n) {
        return "***-****-****".to_string();
    }
    let head_len = if digits.starts_with(b"02") { 2 } else { 3 };
    let mut out = String::with_capacity(n + 2);
    out.extend(digits[..head_len].iter().map(|&b| char::from(b)));
    out.push('-');
    out.extend(std::iter::repeat_n('*', n - head_len - 4));
    out.push('-');
    out.extend(digits[n - 4..n].iter().map(|&b| char::from(b)));
    out
}

/// Address cut after the eup/myeon/dong (읍/면/동, also 가 and 리 units before it):
/// `경기도 김포시 사우동 123-4 101호` → `경기도 김포시 사우동 ***`.
pub fn address(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(64) + 4);
    for word in value.split_whitespace() {
        push_word(&mut out, word);
        let unit = word.chars().last();
        let is_dong_level = matches!(unit, Some('읍' | '면' | '동' | '가'))
            && word.chars().nth(1).is_some()
            && !word.bytes().any(|b| b.is_ascii_digit());
        if is_dong_level {
            out.push_str(" ***");
            return out;
        }
    }
    // No eup/myeon/dong found: keep only the first two words (province, city).
    out.clear();
    for word in value.split_whitespace().take(2) {
        push_word(&mut out, word);
    }
    if !out.is_empty() {
        out.push_str(" ***");
    }
    out
}

/// The first `N` ASCII digits of `value` (on the stack) and how many digits it has in all.
fn ascii_digits<const N: usize>(value: &str) -> ([u8; N], usize) {
    let mut kept = [0u8; N];
    let mut count = 0usize;
    for b in value.bytes().filter(u8::is_ascii_digit) {
        if let Some(slot) = kept.get_mut(count) {
            *slot = b;
        }
        count += 1;
    }
    (kept, count)
}

/// Appends `word`, separated by one space from what `out` already holds.
fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// Vehicle number `12가3456` → `12가****`, `서울12가3456` → `서울12가****`.
pub fn vehicle_number(value: &str) -> String {
    let count = value.chars().filter(|c| !c.is_whitespace()).count();
    if count < 4 {
        return "****".to_string();
    }
    let mut out = String::with_capacity(value.len());
    out.extend(value.chars().filter(|c| !c.is_whitespace()).take(count - 4));
    out.push_str("****");
    out
}

/// Account number: the first `n` characters kept, the rest as `*`.
pub fn keep_prefix(value: &str, n: usize) -> String {
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < n || c == '-' { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_forms() {
        assert_eq!(rrn("900101-1234567"), "900101-1******");
        assert_eq!(rrn("9001011234567"), "900101-1******");
        assert_eq!(rrn("garbage"), "******-*******");
        assert_eq!(name("홍길동"), "홍*동");
        assert_eq!(name("김철"), "김*");
        assert_eq!(name("남궁민수"), "남**수");
        assert_eq!(phone("010-1234-5678"), "010-****-5678");
        assert_eq!(phone("0319802114"), "031-***-2114");
        assert_eq!(phone("02-123-4567"), "02-***-4567");
        assert_eq!(
            address("경기도 김포시 사우동 123-4 101호"),
            "경기도 김포시 사우동 ***"
        );
        assert_eq!(
            address("경기도 김포시 통진읍 마송리 55"),
            "경기도 김포시 통진읍 ***"
        );
        assert_eq!(vehicle_number("12가3456"), "12가****");
        assert_eq!(keep_prefix("110-234-567890", 4), "110-***-******");
    }

    #[test]
    fn odd_forms_are_masked_whole_or_kept_to_the_rule() {
        assert_eq!(rrn("900101-12345678"), "******-*******");
        assert_eq!(rrn(""), "******-*******");
        assert_eq!(name("  홍길동 "), "홍*동");
        assert_eq!(name("김"), "*");
        assert_eq!(name(""), "");
        assert_eq!(phone("010 1234 5678"), "010-****-5678");
        assert_eq!(phone("0101234567890"), "***-****-****");
        assert_eq!(phone("02-1234-5678"), "02-****-5678");
        assert_eq!(
            address("경기도   김포시  사우동 1"),
            "경기도 김포시 사우동 ***"
        );
        // `1동` has a digit: not a dong name, so only province and city are kept.
        assert_eq!(address("경기도 김포시 1동 2"), "경기도 김포시 ***");
        assert_eq!(address("Seoul"), "Seoul ***");
        assert_eq!(address("   "), "");
        assert_eq!(vehicle_number("서울 12가 3456"), "서울12가****");
        assert_eq!(vehicle_number("12가"), "****");
    }

    #[test]
    fn masking_never_returns_the_input() {
        for v in ["010-1234-5678", "900101-1234567", "12가3456", "홍길동"] {
            assert_ne!(rrn(v), v);
            assert_ne!(phone(v), v);
            assert_ne!(vehicle_number(v), v);
            assert_ne!(name(v), v);
        }
    }
}
