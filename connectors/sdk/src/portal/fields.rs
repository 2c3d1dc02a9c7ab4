//! [`Item`]: one `<item>`'s fields as a small owned record — every key and value in one
//! string, the fields as ranges into it.
//!
//! It replaced a `BTreeMap<String, String>`: two allocations per field plus the tree's nodes,
//! and a string comparison per level on every look-up, were a large share of the portal
//! connectors' CPU (issue 15). Here an item costs two allocations whatever its size, a
//! look-up is a scan comparing lengths first (items have a few dozen fields), and trimming a
//! value only narrows its range.

use std::fmt;
use std::ops::Range;

/// One `<item>`: its child elements by name (nested children joined with `.`), text trimmed.
///
/// Keys are unique; [`Item::insert`] replaces a value. Iteration is in insertion order.
#[derive(Clone, Default)]
pub struct Item {
    /// Keys and values back to back; a replaced or extended value may leave its old bytes
    /// behind (never reachable through `fields`).
    text: String,
    fields: Vec<Field>,
}

#[derive(Clone)]
struct Field {
    key: Range<usize>,
    value: Range<usize>,
}

impl Item {
    /// An empty item.
    pub fn new() -> Self {
        Item::default()
    }

    /// An empty item with room for about `fields` fields of `bytes` bytes of keys and text.
    pub fn with_capacity(fields: usize, bytes: usize) -> Self {
        Item {
            text: String::with_capacity(bytes),
            fields: Vec::with_capacity(fields),
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// (fields, bytes of text): what [`Item::with_capacity`] takes for an item like this one.
    pub(super) fn size(&self) -> (usize, usize) {
        (self.fields.len(), self.text.len())
    }

    /// Whether the item has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        // Lengths first, then bytes: most fields differ in length, and a byte comparison
        // needs no character-boundary checks.
        let (text, key) = (self.text.as_bytes(), key.as_bytes());
        self.fields.iter().position(|f| {
            f.key.len() == key.len()
                && text
                    .get(f.key.clone())
                    .is_some_and(|k| k.first() == key.first() && k == key)
        })
    }

    /// A field's value as stored (trimmed when the parser made the item).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key)
            .map(|i| &self.text[self.fields[i].value.clone()])
    }

    /// Whether the item has the field `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets a field, replacing its value if it is there.
    pub fn insert(&mut self, key: &str, value: &str) {
        match self.position(key) {
            Some(i) => {
                let start = self.text.len();
                self.text.push_str(value);
                self.fields[i].value = start..self.text.len();
            }
            None => self.push(key, value),
        }
    }

    /// Removes a field, answering its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let f = self.fields.remove(self.position(key)?);
        Some(self.text[f.value].to_string())
    }

    /// Appends `more` to a field's value, creating the field if it is not there (text of one
    /// element may arrive in pieces: text, an entity, text).
    pub(super) fn append(&mut self, key: &str, more: &str) {
        // The usual case: the field written last, its value at the end of the text.
        if let Some(last) = self.fields.last_mut()
            && last.value.end == self.text.len()
            && self.text.as_bytes().get(last.key.clone()) == Some(key.as_bytes())
        {
            self.text.push_str(more);
            last.value.end = self.text.len();
            return;
        }
        match self.position(key) {
            Some(i) => {
                // Text of an element split by a child element, or a repeated element: the old
                // value is copied to the end so that the value stays one range.
                let start = self.text.len();
                self.text.extend_from_within(self.fields[i].value.clone());
                self.text.push_str(more);
                self.fields[i].value = start..self.text.len();
            }
            None => self.push(key, more),
        }
    }

    /// Creates an empty field unless `key` is there (an empty element).
    pub(super) fn touch(&mut self, key: &str) {
        if !self.contains_key(key) {
            self.push(key, "");
        }
    }

    /// Trims every value (its range only; the text is not moved).
    pub(super) fn trim_values(&mut self) {
        for f in &mut self.fields {
            let v = &self.text[f.value.clone()];
            let start = f.value.start + (v.len() - v.trim_start().len());
            let end = f.value.start + v.trim_end().len();
            f.value = start..end.max(start);
        }
    }

    fn push(&mut self, key: &str, value: &str) {
        let k = self.text.len();
        self.text.push_str(key);
        let v = self.text.len();
        self.text.push_str(value);
        self.fields.push(Field {
            key: k..v,
            value: v..self.text.len(),
        });
    }

    /// The fields as `(key, value)`, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|f| (&self.text[f.key.clone()], &self.text[f.value.clone()]))
    }
}

impl PartialEq for Item {
    /// Equal when both hold the same keys with the same values, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Item {
    /// Keys sorted, each value shown only by its length: an item holds a back-end's answer
    /// (names, plates, addresses), and a `{:?}` of a page must not put them into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted(usize);
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} bytes>", self.0)
            }
        }
        let mut fields: Vec<_> = self.iter().map(|(k, v)| (k, Redacted(v.len()))).collect();
        fields.sort_unstable_by(|a, b| a.0.cmp(b.0));
        f.debug_map().entries(fields).finish()
    }
}

impl std::ops::Index<&str> for Item {
    type Output = str;

    /// A field's value; panics when absent (for tests, like a map's index).
    fn index(&self, key: &str) -> &str {
        self.get(key).expect("no such field in the item")
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Item {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut item = Item::new();
        for (k, v) in iter {
            item.insert(k.as_ref(), v.as_ref());
        }
        item
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> From<[(K, V); N]> for Item {
    fn from(fields: [(K, V); N]) -> Self {
        fields.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_touches_inserts_and_trims_like_a_map() {
        let mut item = Item::new();
        item.append("a", " 1");
        item.append("a", "2 ");
        item.append("b.c", "x");
        item.touch("d");
        item.touch("a");
        // `a` again after another field: the value stays whole.
        item.append("a", "3");
        item.insert("b.c", "y");
        item.trim_values();
        assert_eq!(item.get("a"), Some("12 3"));
        assert_eq!(item.get("b.c"), Some("y"));
        assert_eq!(item.get("d"), Some(""));
        assert_eq!(item.get("b"), None);
        assert_eq!(item.len(), 3);
        let same: Item = [("d", ""), ("b.c", "y"), ("a", "12 3")].into();
        assert_eq!(item, same);
        // Debug names the fields, never their values (personal data).
        assert_eq!(
            format!("{item:?}"),
            r#"{"a": <4 bytes>, "b.c": <1 bytes>, "d": <0 bytes>}"#
        );
        let mut blank = Item::new();
        blank.append("e", "  \n ");
        blank.trim_values();
        assert_eq!(&blank["e"], "");
    }
}
