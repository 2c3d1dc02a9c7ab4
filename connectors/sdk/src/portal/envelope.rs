//! From XML events to a [`PortalPage`]: the one [`Builder`] both readers feed — the quick
//! [`crate::xml::scan_plain`] of plain documents and [`read_with_quick_xml`] for everything
//! else — so the envelope's rules (paths, items, result codes, the gateway error) exist once.

use super::{Item, MAX_DEPTH, PortalPage, classify_result_code, code_error};
use crate::error::ConnectorError;
use crate::xml::{Event as Ev, named_entity};
use quick_xml::Reader;
use quick_xml::events::Event;

fn bad(why: &str) -> ConnectorError {
    ConnectorError::bad_response(format!("portal envelope: {why}"))
}

const ITEM_PATH: [&str; 4] = ["response", "body", "items", "item"];

/// The page being read, and where in the document the reader is.
#[derive(Default)]
pub(super) struct Builder {
    path: Path,
    page: PortalPage,
    root: Option<String>,
    current: Option<Item>,
    gateway_code: Option<String>,
    /// A nested field's dotted key, built here rather than allocated per field.
    key: String,
    /// The last item's size, so the next one is allocated once at about the right size.
    last_item: (usize, usize),
}

impl Builder {
    /// Takes one event; an error is the envelope's (too deep, a paging field not a number).
    pub(super) fn on(&mut self, ev: Ev<'_>) -> Result<(), ConnectorError> {
        match ev {
            Ev::Start(name) => {
                if self.root.is_none() {
                    self.root = Some(name.to_string());
                }
                self.path.push(name);
                if self.path.len() > MAX_DEPTH {
                    return Err(bad("nesting too deep"));
                }
                if path_is(self.path.names(), &ITEM_PATH) {
                    // Sized like the last item (every item of a page has the same fields),
                    // the first one like a typical item, so an item rarely grows.
                    let (fields, bytes) = self.last_item;
                    self.current = Some(Item::with_capacity(fields.max(16), bytes.max(512)));
                }
            }
            Ev::Empty(name) => {
                if self.root.is_none() {
                    self.root = Some(name.to_string());
                }
                if path_is(self.path.names(), &ITEM_PATH[..3]) && name == "item" {
                    self.page.items.push(Item::new());
                } else if let Some(item) = self.current.as_mut() {
                    item.touch(key(&mut self.key, self.path.names(), name));
                }
            }
            Ev::End => {
                if path_is(self.path.names(), &ITEM_PATH)
                    && let Some(mut item) = self.current.take()
                {
                    item.trim_values();
                    self.last_item = item.size();
                    self.page.items.push(item);
                }
                self.path.pop();
            }
            Ev::Text(text) => self.on_text(text)?,
        }
        Ok(())
    }

    fn on_text(&mut self, text: &str) -> Result<(), ConnectorError> {
        let path = self.path.names();
        let num = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| bad("paging field is not a number"))
        };
        if let Some(item) = self.current.as_mut() {
            if let Some((leaf, parents)) = path.split_last()
                && path.len() > 4
            {
                item.append(key(&mut self.key, parents, leaf), text);
            }
            return Ok(());
        }
        let page = &mut self.page;
        if path_is(path, &["response", "header", "resultCode"]) {
            page.result_code.push_str(text.trim());
        } else if path_is(path, &["response", "body", "numOfRows"]) {
            page.num_of_rows = Some(num(text)?);
        } else if path_is(path, &["response", "body", "pageNo"]) {
            page.page_no = Some(num(text)?);
        } else if path_is(path, &["response", "body", "totalCount"]) {
            page.total_count = Some(num(text)?);
        } else if path.last().map(String::as_str) == Some("returnReasonCode") {
            self.gateway_code = Some(text.trim().to_string());
        }
        Ok(())
    }

    /// The page, or the error the document's end or its envelope says.
    pub(super) fn finish(self) -> Result<PortalPage, ConnectorError> {
        if !self.path.names().is_empty() {
            return Err(bad("document ends inside an element"));
        }
        match self.root.as_deref() {
            Some("OpenAPI_ServiceResponse") => {
                let code = self.gateway_code.unwrap_or_else(|| "99".to_string());
                Err(code_error(&code))
            }
            Some("response") => {
                let page = self.page;
                if page.result_code.is_empty() {
                    return Err(bad("no resultCode in header"));
                }
                match classify_result_code(&page.result_code) {
                    None => Ok(page),
                    Some(_) => Err(code_error(&page.result_code)),
                }
            }
            _ => Err(bad("unexpected root element")),
        }
    }
}

/// Key of a field inside an item: the path below `<item>` and the leaf, joined with `.`
/// (the leaf itself, borrowed, for the usual direct child).
fn key<'k>(buf: &'k mut String, parents: &'k [String], leaf: &'k str) -> &'k str {
    let below = parents.get(4..).unwrap_or_default();
    if below.is_empty() {
        return leaf;
    }
    buf.clear();
    for p in below {
        buf.push_str(p);
        buf.push('.');
    }
    buf.push_str(leaf);
    buf
}

fn path_is(path: &[String], want: &[&str]) -> bool {
    path.len() == want.len() && path.iter().zip(want).all(|(a, b)| a == b)
}

/// The open elements, innermost last, in buffers reused from one element to the next.
#[derive(Default)]
struct Path {
    names: Vec<String>,
    depth: usize,
}

impl Path {
    fn push(&mut self, name: &str) {
        match self.names.get_mut(self.depth) {
            Some(buf) => {
                buf.clear();
                buf.push_str(name);
            }
            None => self.names.push(name.to_string()),
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn len(&self) -> usize {
        self.depth
    }

    fn names(&self) -> &[String] {
        &self.names[..self.depth]
    }
}

/// Reads any document with quick-xml (comments, CDATA, `\r\n` line ends…): the reader for
/// what [`crate::xml::scan_plain`] leaves, and its reference in tests.
pub(super) fn read_with_quick_xml(xml: &str) -> Result<PortalPage, ConnectorError> {
    let mut reader = Reader::from_str(xml);
    let mut b = Builder::default();
    loop {
        match reader.read_event() {
            Err(_) => return Err(bad("malformed XML")),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => b.on(Ev::Start(e.local_name().as_ref()))?,
            Ok(Event::Empty(e)) => b.on(Ev::Empty(e.local_name().as_ref()))?,
            Ok(Event::End(_)) => b.on(Ev::End)?,
            Ok(Event::Text(t)) => b.on(Ev::Text(&t.xml10_content()))?,
            Ok(Event::CData(t)) => b.on(Ev::Text(t.as_ref()))?,
            Ok(Event::GeneralRef(r)) => {
                let mut utf8 = [0u8; 4];
                let text: &str = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.encode_utf8(&mut utf8),
                    _ => named_entity(r.as_ref()).ok_or_else(|| bad("unknown entity"))?,
                };
                b.on(Ev::Text(text))?;
            }
            Ok(_) => {}
        }
    }
    b.finish()
}
