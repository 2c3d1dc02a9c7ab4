//! Routing an address to its office by its words (see the module docs of
//! [`crate::guidance::directory`] for the order).

use super::{Directory, Office};

/// Longest address routed, in characters (longer input is not an address).
pub const MAX_ADDRESS_CHARS: usize = 200;

/// What decided the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The administrative dong / eup / myeon named in the address.
    AdministrativeDong,
    /// A legal dong or ri of one office.
    LegalDong,
    /// A road lying within one office.
    RoadName,
}

/// An address's office and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'a> {
    /// The office.
    pub office: &'a Office,
    /// How.
    pub kind: MatchKind,
    /// The word that matched (a dong, ri or road name: never more of the address).
    pub matched: &'a str,
}

/// The words of an address: blanks, commas and parentheses separate them.
fn words(address: &str) -> impl Iterator<Item = &str> {
    address
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '·' | '/'))
        .filter(|w| !w.is_empty())
}

/// A word that names a city, county or district other than Gimpo (`서울특별시`, `강서구`).
fn elsewhere(word: &str) -> bool {
    let local = matches!(word, "김포시" | "김포" | "경기도" | "경기");
    !local
        && word.chars().count() >= 2
        && (word.ends_with('시') || word.ends_with('군') || word.ends_with('구'))
}

/// `사우중로87번길` → `사우중로`, `마송1로` stays: a numbered side street belongs to its road.
fn base_road(word: &str) -> &str {
    let Some(rest) = word
        .strip_suffix("번길")
        .or_else(|| word.strip_suffix('길'))
    else {
        return word;
    };
    let trimmed = rest.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.len() < rest.len() && (trimmed.ends_with('로') || trimmed.ends_with('길')) {
        trimmed
    } else {
        word
    }
}

impl Directory {
    /// The office whose area `address` lies in, or `None` (also for an address elsewhere or
    /// longer than [`MAX_ADDRESS_CHARS`]).
    pub fn route<'a>(&'a self, address: &str) -> Option<Routed<'a>> {
        if address.chars().count() > MAX_ADDRESS_CHARS {
            return None;
        }
        if words(address).any(elsewhere) {
            return None;
        }
        let hit = |map: &'a std::collections::HashMap<String, usize>, kind, key: &str| {
            map.get_key_value(key).map(|(k, &i)| Routed {
                office: &self.offices[i],
                kind,
                matched: k.as_str(),
            })
        };
        words(address)
            .find_map(|w| hit(&self.by_name, MatchKind::AdministrativeDong, w))
            .or_else(|| {
                words(address).find_map(|w| hit(&self.by_road, MatchKind::RoadName, base_road(w)))
            })
            .or_else(|| words(address).find_map(|w| hit(&self.by_legal, MatchKind::LegalDong, w)))
    }
}
