//! `application/x-www-form-urlencoded` bodies. Portal-style back-ends take parameters as a
//! form; personal keys go in the body rather than the URL, since query strings end up in
//! access logs along the way.

/// The media type of a form body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Encodes pairs as `application/x-www-form-urlencoded` (WHATWG rules: unreserved bytes kept,
/// space as `+`, everything else `%XX` of its UTF-8 bytes).
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
    }
    out
}

fn encode_component(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            // Written digit by digit: a `format!` per byte (three per Korean character)
            // allocated a string each.
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
    }
}

/// Decodes a form body leniently (a broken `%` escape is kept literally; invalid UTF-8 is
/// replaced). The first value of each name wins.
pub fn form_decode(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of `name` in decoded form pairs.
pub fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trips_keys_with_portal_special_characters() {
        let key = "a+b/c==d 재산";
        let body = form_encode(&[("serviceKey", key), ("rrn", "9001011234567")]);
        assert!(!body.contains('/') && !body.contains("=="));
        let pairs = form_decode(&body);
        assert_eq!(form_value(&pairs, "serviceKey"), Some(key));
        assert_eq!(form_value(&pairs, "rrn"), Some("9001011234567"));
    }

    #[test]
    fn form_decode_is_lenient() {
        let pairs = form_decode("a=%zz&b=%4&&c&d=%E2%82");
        assert_eq!(form_value(&pairs, "a"), Some("%zz"));
        assert_eq!(form_value(&pairs, "b"), Some("%4"));
        assert_eq!(form_value(&pairs, "c"), Some(""));
        assert!(form_value(&pairs, "d").is_some());
    }
}
