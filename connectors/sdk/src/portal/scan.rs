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
    // Open elements' names, to check end tags as quick-xml does.
    let mut open: Vec<&str> = Vec::with_capacity(8);
    let mut rest = xml;
    loop {
        let Some(lt) = rest.find('<') else {
            return text(rest, b);
        };
        text(&rest[..lt], b)?;
        let markup = &rest[lt + 1..];
        rest = match markup.as_bytes().first() {
            Some(b'?') => {
                // `<?xml …?>` or another processing instruction: nothing for the envelope.
                let body = &markup[1..];
                match body.find("?>") {
                    Some(end) if end > 0 => &body[end + 2..],
                    _ => return Err(Stop::Unsure),
                }
            }
            Some(b'/') => {
                let (tag, after) = tag(&markup[1..])?;
                let name = tag.trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
                if open.pop() != Some(name) {
                    return Err(Stop::Unsure);
                }
                b.on(Ev::End)?;
                after
            }
            Some(b'!') | None => return Err(Stop::Unsure),
            Some(_) => {
                let (tag, after) = tag(markup)?;
                let (content, empty) = match tag.strip_suffix('/') {
                    Some(c) => (c, true),
                    None => (tag, false),
                };
                let end = content.bytes().position(is_space).unwrap_or(content.len());
                let name = &content[..end];
                if name.is_empty() || name.contains([':', '/']) {
                    return Err(Stop::Unsure);
                }
                if empty {
                    b.on(Ev::Empty(name))?;
                } else {
                    open.push(name);
                    b.on(Ev::Start(name))?;
                }
                after
            }
        };
    }
}

/// A tag's content up to its `>`, and what follows; quotes or `<` inside are not plain.
fn tag(s: &str) -> Result<(&str, &str), Stop> {
    let end = s.find('>').ok_or(Stop::Unsure)?;
    let content = &s[..end];
    if content.contains(['"', '\'', '<']) {
        return Err(Stop::Unsure);
    }
    Ok((content, &s[end + 1..]))
}

/// Text between tags: its pieces, entities resolved, as quick-xml passes them on.
fn text(t: &str, b: &mut Builder) -> Result<(), Stop> {
    if t.contains('\r') {
        // Line ends to normalise: quick-xml's job.
        return Err(Stop::Unsure);
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
