//! SOAP 1.1 envelopes as the Saeol service writes them: a small writer (requests, responses,
//! faults — the simulator uses the same code, so both sides agree) and a strict, depth-limited
//! reader that turns a body into a tree of elements keyed by *local* name, so any namespace
//! prefix (`soap:`, `SOAP-ENV:`, `mw:`, none) is accepted.
//!
//! The reader never panics: every structural problem is an [`ErrorKind::BadResponse`]
//! (`minwon_connector_sdk::ErrorKind`) whose message names the problem, never the content.

use crate::fault::{self, Fault};
use crate::schema::{Operation, SERVICE_NS, SOAP_ENV_NS, el};
use minwon_connector_sdk::{ConnectorError, xml};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Deepest element nesting accepted; deeper documents are refused as malformed.
pub const MAX_DEPTH: usize = 32;
/// Most elements one document may hold.
pub const MAX_ELEMENTS: usize = 200_000;

/// One element: its local name, its own text (all text children joined), its child elements.
#[derive(Clone, Default, PartialEq)]
pub struct Element {
    /// Local name (prefix dropped).
    pub name: String,
    /// Text directly inside the element, untrimmed.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl std::fmt::Debug for Element {
    // Names and shape only: the text may be personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element")
            .field("name", &self.name)
            .field("children", &self.children)
            .finish_non_exhaustive()
    }
}

impl Element {
    fn named(name: String) -> Self {
        Element {
            name,
            ..Element::default()
        }
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name; `None` when absent or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// A parsed envelope: the optional header block and the body's single payload element.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `<Header>`, when present.
    pub header: Option<Element>,
    /// The first element inside `<Body>` (an operation, its response, or a `Fault`).
    pub payload: Element,
}

fn bad(why: &str) -> ConnectorError {
    ConnectorError::bad_response(format!("SOAP envelope: {why}"))
}

/// Parses an XML document (already decoded to text) into its root element.
pub fn parse_document(xml: &str) -> Result<Element, ConnectorError> {
    // A plain document (what the service sends) by the SDK's quick scan, the rest — and
    // every malformed one — by quick-xml; both feed the same tree, so the rules are one.
    let mut tree = Tree::default();
    match xml::scan_plain(xml, |ev| tree.on(ev)) {
        Ok(Ok(())) => tree.finish(),
        Ok(Err(e)) => Err(e),
        Err(xml::NotPlain) => parse_with_quick_xml(xml),
    }
}

/// Reads any document with quick-xml (the reference the quick scan is tested against).
pub(crate) fn parse_with_quick_xml(xml: &str) -> Result<Element, ConnectorError> {
    let mut reader = Reader::from_str(xml);
    let mut tree = Tree::default();
    loop {
        let event = reader.read_event().map_err(|_| bad("malformed XML"))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => tree.on(xml::Event::Start(e.local_name().as_ref()))?,
            Event::Empty(e) => tree.on(xml::Event::Empty(e.local_name().as_ref()))?,
            Event::End(_) => tree.on(xml::Event::End)?,
            Event::Text(t) => tree.on(xml::Event::Text(&t.xml10_content()))?,
            Event::CData(t) => tree.on(xml::Event::Text(t.as_ref()))?,
            Event::GeneralRef(r) => {
                let mut utf8 = [0u8; 4];
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.encode_utf8(&mut utf8),
                    Ok(None) => {
                        xml::named_entity(r.as_ref()).ok_or_else(|| bad("unknown entity"))?
                    }
                    Err(_) => return Err(bad("invalid character reference")),
                };
                tree.on(xml::Event::Text(text))?;
            }
            Event::DocType(_) => return Err(bad("a DTD is not allowed in SOAP")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    tree.finish()
}

/// The elements being built, innermost open one last.
#[derive(Default)]
struct Tree {
    stack: Vec<Element>,
    root: Option<Element>,
    count: usize,
}

impl Tree {
    fn on(&mut self, ev: xml::Event<'_>) -> Result<(), ConnectorError> {
        match ev {
            xml::Event::Start(_) | xml::Event::Empty(_) if self.root.is_some() => {
                return Err(bad("content after the root element"));
            }
            xml::Event::Start(name) => {
                self.count_one()?;
                self.stack.push(Element::named(name.to_string()));
            }
            xml::Event::Empty(name) => {
                self.count_one()?;
                attach(
                    &mut self.stack,
                    &mut self.root,
                    Element::named(name.to_string()),
                );
            }
            xml::Event::End => {
                let done = self.stack.pop().ok_or_else(|| bad("unbalanced end tag"))?;
                attach(&mut self.stack, &mut self.root, done);
            }
            xml::Event::Text(text) => push_text(&mut self.stack, text)?,
        }
        Ok(())
    }

    fn count_one(&mut self) -> Result<(), ConnectorError> {
        self.count += 1;
        if self.stack.len() >= MAX_DEPTH || self.count > MAX_ELEMENTS {
            return Err(bad("nesting too deep or too many elements"));
        }
        Ok(())
    }

    fn finish(self) -> Result<Element, ConnectorError> {
        if !self.stack.is_empty() {
            return Err(bad("document ends inside an element"));
        }
        self.root.ok_or_else(|| bad("no root element"))
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), ConnectorError> {
    match stack.last_mut() {
        Some(e) => e.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(bad("text outside the root element")),
    }
    Ok(())
}

/// Parses a SOAP 1.1 envelope: root `Envelope`, optional `Header`, `Body` with one element.
pub fn parse_envelope(xml: &str) -> Result<Envelope, ConnectorError> {
    let root = parse_document(xml)?;
    if root.name != "Envelope" {
        return Err(bad("root element is not Envelope"));
    }
    let mut header = None;
    let mut body = None;
    for child in root.children {
        match child.name.as_str() {
            "Header" if header.is_none() && body.is_none() => header = Some(child),
            "Body" if body.is_none() => body = Some(child),
            _ => return Err(bad("unexpected element in Envelope")),
        }
    }
    let body = body.ok_or_else(|| bad("no Body"))?;
    let payload = body
        .children
        .into_iter()
        .next()
        .ok_or_else(|| bad("empty Body"))?;
    Ok(Envelope { header, payload })
}

/// Parses a response to `op`: the `<op>Response` element, or the classified error a `Fault`
/// carries.
pub fn parse_response(xml: &str, op: Operation) -> Result<Element, ConnectorError> {
    let env = parse_envelope(xml)?;
    if env.payload.name == "Fault" {
        return Err(fault::classify(&Fault::from_element(&env.payload)?));
    }
    if env.payload.name != op.response_name() {
        return Err(bad(
            "Body holds an element other than the expected response",
        ));
    }
    Ok(env.payload)
}

/// Builds XML text with the service prefix `mw:` and escaping done in one place.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        XmlWriter::default()
    }

    /// `<mw:name>`.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.out.push_str("<mw:");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `</mw:name>`.
    pub fn end(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</mw:");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<mw:name>escaped value</mw:name>`.
    pub fn leaf(&mut self, name: &str, value: &str) -> &mut Self {
        self.start(name);
        self.out.push_str(&escape(value));
        self.end(name)
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes text for XML content.
pub fn escape(value: &str) -> String {
    // Control characters other than tab/CR/LF cannot appear in XML 1.0 at all; drop them
    // rather than send a document the other side must reject.
    let clean: String = value
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// Wraps header and body content in a SOAP 1.1 envelope with the EUC-KR prolog.
pub fn write_envelope(header: Option<&str>, body: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"EUC-KR\"?>\n\
         <soap:Envelope xmlns:soap=\"{SOAP_ENV_NS}\" xmlns:mw=\"{SERVICE_NS}\">"
    );
    if let Some(h) = header {
        s.push_str("<soap:Header>");
        s.push_str(h);
        s.push_str("</soap:Header>");
    }
    s.push_str("<soap:Body>");
    s.push_str(body);
    s.push_str("</soap:Body></soap:Envelope>");
    s
}

/// Writes a request for `op` with the caller's organisation in the header and `params` as
/// the operation's child elements.
pub fn write_request(op: Operation, org_code: &str, params: &[(&str, &str)]) -> String {
    let mut header = XmlWriter::new();
    header
        .start(el::REQ_INFO)
        .leaf(el::ORG_CD, org_code)
        .leaf(el::SYS_ID, "MINWON-HUB")
        .end(el::REQ_INFO);
    let mut body = XmlWriter::new();
    body.start(op.name());
    for (k, v) in params {
        body.leaf(k, v);
    }
    body.end(op.name());
    write_envelope(Some(&header.finish()), &body.finish())
}

/// Writes a response to `op` whose content `fill` writes.
pub fn write_response(op: Operation, fill: impl FnOnce(&mut XmlWriter)) -> String {
    let name = op.response_name();
    let mut body = XmlWriter::new();
    body.start(&name);
    fill(&mut body);
    body.end(&name);
    write_envelope(None, &body.finish())
}
