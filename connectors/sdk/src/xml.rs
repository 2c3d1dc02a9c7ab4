//! A quick reader of plain XML: elements (attributes allowed, quoted values skipped as
//! quick-xml skips them, a prefix dropped from the name), text with the predefined entities
//! and character references, `<?xml …?>`.
//!
//! Why: quick-xml re-validates UTF-8 for every event although the body is already a `&str`,
//! and its general machinery was a quarter of a portal connector's CPU (issue 15). Back-end
//! answers are plain; this reader walks them with byte loops and slices.
//!
//! It never decides anything on its own: on anything outside the plain subset — a comment,
//! CDATA, a DOCTYPE, a `<` inside a tag, a `\r`, an unknown or unclosed entity, a
//! mismatched end tag, a document ending inside a tag — it answers [`NotPlain`] and the
//! caller reads the document again with quick-xml. On what it accepts it passes on exactly
//! the events quick-xml would, piece for piece, so a caller's handling of events runs the
//! same on both (the portal and Saeol tests compare them).

use crate::error::ConnectorError;

/// One XML event: names are local (prefix dropped), text is resolved (entities replaced)
/// and may arrive in several pieces, as quick-xml passes it on.
pub enum Event<'b> {
    /// An element opens.
    Start(&'b str),
    /// An empty element, `<name/>`.
    Empty(&'b str),
    /// The innermost open element closes.
    End,
    /// Text, or a piece of it.
    Text(&'b str),
}

/// The document is not plain: read it with quick-xml.
#[derive(Debug)]
pub struct NotPlain;

/// Passes a plain document's events to `on`; the inner result is `on`'s own error (the
/// caller's rules: too deep, a field not a number…).
pub fn scan_plain(
    xml: &str,
    mut on: impl FnMut(Event<'_>) -> Result<(), ConnectorError>,
) -> Result<Result<(), ConnectorError>, NotPlain> {
    match walk(xml, &mut on) {
        Ok(()) => Ok(Ok(())),
        Err(Stop::Unsure) => Err(NotPlain),
        Err(Stop::Caller(e)) => Ok(Err(e)),
    }
}

/// The five predefined entities.
pub fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

enum Stop {
    Unsure,
    Caller(ConnectorError),
}

impl From<ConnectorError> for Stop {
    fn from(e: ConnectorError) -> Self {
        Stop::Caller(e)
    }
}

/// XML white space, as quick-xml splits names on it.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn walk<F>(xml: &str, b: &mut F) -> Result<(), Stop>
where
    F: FnMut(Event<'_>) -> Result<(), ConnectorError>,
{
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
                // `<?xml …?>` or another processing instruction: no event.
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
                // Trailing white space is allowed in an end tag (`</a >`).
                let raw = &bytes[at + 1..end];
                let keep = raw.iter().rposition(|c| !is_space(*c)).map_or(0, |i| i + 1);
                let name = &xml[at + 1..at + 1 + keep];
                if open.pop() != Some(name) {
                    return Err(Stop::Unsure);
                }
                b(Event::End)?;
                end + 1
            }
            Some(b'!') | None => return Err(Stop::Unsure),
            Some(_) => {
                let end = tag_end(bytes, at)?;
                let (content, empty) = match xml[at..end].strip_suffix('/') {
                    Some(c) => (c, true),
                    None => (&xml[at..end], false),
                };
                // The qualified name runs to the first white space (attributes follow); the
                // local name is what follows its first `:`, as quick-xml's `local_name`. One
                // byte loop finds both.
                let mut name_end = content.len();
                let mut colon = None;
                for (i, c) in content.bytes().enumerate() {
                    match c {
                        b' ' | b'\t' | b'\r' | b'\n' => {
                            name_end = i;
                            break;
                        }
                        b'/' | b'"' | b'\'' => return Err(Stop::Unsure),
                        b':' if colon.is_none() => colon = Some(i),
                        _ => {}
                    }
                }
                let qname = &content[..name_end];
                let local = colon.map_or(qname, |i| &qname[i + 1..]);
                if local.is_empty() {
                    return Err(Stop::Unsure);
                }
                if empty {
                    b(Event::Empty(local))?;
                } else {
                    open.push(qname);
                    b(Event::Start(local))?;
                }
                end + 1
            }
        };
    }
}

/// Where the tag whose content starts at `from` ends: its `>` outside quoted attribute
/// values (quick-xml's rule). A `<` inside, or no end at all, is not plain.
fn tag_end(bytes: &[u8], from: usize) -> Result<usize, Stop> {
    let rest = bytes.get(from..).ok_or(Stop::Unsure)?;
    let mut at = 0;
    loop {
        // The next byte that matters; most tags have no attributes, so this is their `>`.
        let i = rest[at..]
            .iter()
            .position(|c| matches!(c, b'>' | b'"' | b'\'' | b'<'))
            .ok_or(Stop::Unsure)?;
        at += i;
        match rest[at] {
            b'>' => return Ok(from + at),
            b'<' => return Err(Stop::Unsure),
            quote => {
                // A quoted value: skip to its closing quote (a `<` inside is left to quick-xml).
                let close = rest[at + 1..]
                    .iter()
                    .position(|c| *c == quote || *c == b'<')
                    .ok_or(Stop::Unsure)?;
                at += 1 + close;
                if rest[at] == b'<' {
                    return Err(Stop::Unsure);
                }
                at += 1;
            }
        }
    }
}

/// Text between tags: its pieces, entities resolved, as quick-xml passes them on.
fn text<F>(t: &str, entities: bool, b: &mut F) -> Result<(), Stop>
where
    F: FnMut(Event<'_>) -> Result<(), ConnectorError>,
{
    if t.is_empty() {
        return Ok(());
    }
    if !entities {
        return Ok(b(Event::Text(t))?);
    }
    let mut rest = t;
    while let Some(amp) = rest.find('&') {
        if amp > 0 {
            b(Event::Text(&rest[..amp]))?;
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
        b(Event::Text(resolved))?;
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        b(Event::Text(rest))?;
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
