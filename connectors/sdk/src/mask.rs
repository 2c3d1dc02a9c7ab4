//! Masked forms of personal values, following Korean public-sector convention.
//!
//! Pure functions on strings; the hub decides *whether* to mask (policy), these decide *how*.
//! Every function is total: odd input yields a fully masked value, never the original.

/// RRN `900101-1234567` → `900101-1******` (birth date and gender digit kept).
pub fn rrn(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 13 {
        return "******-*******".to_string();
    }
    let head: String = digits[..6].iter().collect();
    format!("{head}-{}******", digits[6])
}

/// Name `홍길동` → `홍*동`, `김철` → `김*`, `남궁민수` → `남**수`; one character → `*`.
pub fn name(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => {
            let middle = "*".repeat(n - 2);
            format!("{}{}{}", chars[0], middle, chars[n - 1])
        }
    }
}

/// Phone `010-1234-5678` → `010-****-5678` (middle group hidden; digits-only input too).
pub fn phone(value: &str) -> String {
    let digits: String = value.chars().filter(|c| c.is_ascii_digit()).collect();
    let n = digits.len();
    if !(9..=11).contains(&n) {
        return "***-****-****".to_string();
    }
    let head_len = if digits.starts_with("02") { 2 } else { 3 };
    let head = &digits[..head_len];
    let tail = &digits[n - 4..];
    let mid = "*".repeat(n - head_len - 4);
    format!("{head}-{mid}-{tail}")
}

/// Address cut after the eup/myeon/dong (읍/면/동, also 가 and 리 units before it):
/// `경기도 김포시 사우동 123-4 101호` → `경기도 김포시 사우동 ***`.
pub fn address(value: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for word in value.split_whitespace() {
        kept.push(word);
        let unit = word.chars().last();
        let is_dong_level = matches!(unit, Some('읍' | '면' | '동' | '가'))
            && word.chars().count() >= 2
            && !word.chars().any(|c| c.is_ascii_digit());
        if is_dong_level {
            return format!("{} ***", kept.join(" "));
        }
    }
    // No eup/myeon/dong found: keep only the first two words (province, city).
    let head: Vec<&str> = value.split_whitespace().take(2).collect();
    if head.is_empty() {
        String::new()
    } else {
        format!("{} ***", head.join(" "))
    }
}

/// Vehicle number `12가3456` → `12가****`, `서울12가3456` → `서울12가****`.
pub fn vehicle_number(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 4 {
        return "****".to_string();
    }
    let keep = chars.len() - 4;
    let head: String = chars[..keep].iter().collect();
    format!("{head}****")
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
    fn masking_never_returns_the_input() {
        for v in ["010-1234-5678", "900101-1234567", "12가3456", "홍길동"] {
            assert_ne!(rrn(v), v);
            assert_ne!(phone(v), v);
            assert_ne!(vehicle_number(v), v);
            assert_ne!(name(v), v);
        }
    }
}
