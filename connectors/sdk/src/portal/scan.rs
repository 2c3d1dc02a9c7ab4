//! The quick reader of plain portal documents: elements without quoted attributes or
//! prefixes, text with the predefined entities and character references, `<?xml …?>`.
//!
//! Why: quick-xml re-validated UTF-8 for every event although the body is already a `&str`,
//! and its general machinery was a quarter of a portal connector's CPU (issue 15). Portal
//! answers are plain; this reader walks them with `find` and slices.
//!
//! It never decides anything on its own: on anything outside the plain subset — a comment,
//! CDATA, a DOCTYPE, a quote or `<` inside a tag, a prefix, a `\r`, an unknown or unclosed
//! entity, a mismatched end tag, a document ending inside a tag — it answers [`Unsure`] and
//! the caller reads the document again with quick-xml. On what it accepts it feeds the
//! [`Builder`] exactly the events quick-xml would, piece for piece (the tests compare both).

use super::envelope::{Builder, Ev, named_entity};
use crate::error::ConnectorError;

/// The document is not plain: read it with quick-xml.
pub(super) struct Unsure;

/// Feeds a plain document to `b`; the inner result is the envelope's own error.
pub(super) fn scan(xml: &str, b: &mut Builder) -> Result<Result<(), ConnectorError>, Unsure> {
    match walk(xml, b) {
        Ok(()) => Ok(Ok(())),
        Err(Stop::Unsure) => Err(Unsure),
        Err(Stop::Envelope(e)) => Ok(Err(e)),
    }
}

enum Stop {
    Unsure,
    Envelope(ConnectorError),
}

impl From<ConnectorError> for Stop {
    fn from(e: ConnectorError) -> Self {
        Stop::Envelope(e)
    }
}

/// XML white space, as quick-xml splits names on it.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn walk(xml: &str, b: &mut Builder) -> Result<(), Stop> {
    if xml.starts_with('\u{feff}') {
        // quick-xml drops a BOM; rare enough to leave to it.
        return Err(Stop::Unsure);
    }
    let bytes = xml.as_bytes();
    // Open elements' names, to check end tags as quick-xml does.
    let mut open: Vec<&str> = Vec::with_capacity(8);
    let mut at = 0;
    loop {
        // Text up to the next `<`, noting entities on the way: one pass over the bytes (the
        // pieces are short; a memchr per delimiter cost more in set-up than it saved).
        let start = at;
        let mut entities = false;
        loop {
            let next = bytes[at..]
                .iter()
                .position(|c| matches!(c, b'<' | b'&' | b'\r'));
            at = next.map_or(bytes.len(), |i| at + i);
            match bytes.get(at) {
                Some(b'&') => {
                    entities = true;
                    at += 1;
                }
                // Line ends to normalise: quick-xml's job.
                Some(b'\r') => return Err(Stop::Unsure),
                _ => break,
            }
        }
        text(&xml[start..at], entities, b)?;
        if at == bytes.len() {
            return Ok(());
        }
        // `at` is at `<`.
        at += 1;
        at = match bytes.get(at) {
            Some(b'?') => {
                // `<?xml …?>` or another processing instruction: nothing for the envelope.
                // quick-xml ends it at the first `?>` counting the opening `?` (`<?>`), and
                // refuses one with nothing between `<?` and `?>`: those are its to judge.
                let body = &xml[at + 1..];
                match body.find("?>") {
                    Some(end) if end > 0 && !body.starts_with('>') => at + 1 + end + 2,
                    _ => return Err(Stop::Unsure),
                }
            }
            Some(b'/') => {
                let end = tag_end(bytes, at + 1)?;
                let name = xml[at + 1..end].trim_end_matches([' ', '\t', '\r', '\n']);
                if open.pop() != Some(name) {
                    return Err(Stop::Unsure);
                }
                b.on(Ev::End)?;
                end + 1
            }
            Some(b'!') | None => return Err(Stop::Unsure),
            Some(_) => {
                let end = tag_end(bytes, at)?;
                let (content, empty) = match xml[at..end].strip_suffix('/') {
                    Some(c) => (c, true),
                    None => (&xml[at..end], false),
                };
                let name_end = content.bytes().position(is_space).unwrap_or(content.len());
                let name = &content[..name_end];
                if name.is_empty() || name.bytes().any(|c| c == b':' || c == b'/') {
                    return Err(Stop::Unsure);
                }
                if empty {
                    b.on(Ev::Empty(name))?;
                } else {
                    open.push(name);
                    b.on(Ev::Start(name))?;
                }
                end + 1
            }
        };
    }
}

/// Where the tag whose content starts at `from` ends (its `>`); quotes or `<` inside, or no
/// `>` at all, are not plain.
fn tag_end(bytes: &[u8], from: usize) -> Result<usize, Stop> {
    let rest = bytes.get(from..).ok_or(Stop::Unsure)?;
    match rest
        .iter()
        .position(|c| matches!(c, b'>' | b'"' | b'\'' | b'<'))
    {
        Some(end) if rest[end] == b'>' => Ok(from + end),
        _ => Err(Stop::Unsure),
    }
}

/// Text between tags: its pieces, entities resolved, as quick-xml passes them on.
fn text(t: &str, entities: bool, b: &mut Builder) -> Result<(), Stop> {
    if t.is_empty() {
        return Ok(());
    }
    if !entities {
        return Ok(b.on(Ev::Text(t))?);
    }
    let mut rest = t;
    while let Some(amp) = rest.find('&') {
        if amp > 0 {
            b.on(Ev::Text(&rest[..amp]))?;
        }
        let after = &rest[amp + 1..];
        let end = after.find([';', '&']).ok_or(Stop::Unsure)?;
        if after.as_bytes()[end] != b';' {
            return Err(Stop::Unsure);
        }
        let mut utf8 = [0u8; 4];
        let name = &after[..end];
        let resolved = match name.strip_prefix('#') {
            Some(num) => char_ref(num).ok_or(Stop::Unsure)?.encode_utf8(&mut utf8),
            None => named_entity(name).ok_or(Stop::Unsure)?,
        };
        b.on(Ev::Text(resolved))?;
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        b.on(Ev::Text(rest))?;
    }
    Ok(())
}

/// `&#…;` as quick-xml resolves it: decimal, or hex after a lower-case `x`; no sign, not 0.
fn char_ref(num: &str) -> Option<char> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}
