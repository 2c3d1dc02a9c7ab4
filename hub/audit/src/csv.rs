//! The CSV form of access records: for people with a spreadsheet, exact enough to verify.
//!
//! - UTF-8 with a byte-order mark, so spreadsheet programs show Korean text correctly;
//!   CRLF line ends; a header row ([`HEADER`]).
//! - RFC 4180 quoting (the `csv` crate): a field with `,` `"` CR or LF is quoted, `"` doubled.
//! - Formula-injection guard: a field starting with `=` `+` `-` `@` TAB CR or `'` gets one
//!   leading `'`, so a spreadsheet shows it as text instead of running it. The parser removes
//!   exactly one leading `'`, so the guard is reversible and every field reads back exact.
//! - `sources` and `clear_fields` are JSON arrays of strings; `subjects` is a JSON array of
//!   `{"kind","hmac","masked"}` objects (every data subject, in order; `[]` for none); `time`
//!   is RFC 3339 for reading, `time_ms` is what counts.

use crate::{AccessRecord, AuditError, RecordDraft, Subject};
use chrono::{DateTime, SecondsFormat};

/// UTF-8 byte-order mark that opens the file.
pub const BOM: &str = "\u{feff}";

/// Column names, in order.
pub const HEADER: [&str; 20] = [
    "sequence",
    "audit_id",
    "time",
    "time_ms",
    "account",
    "role",
    "department",
    "channel",
    "client_address",
    "operation",
    "action",
    "subjects",
    "sources",
    "clear_fields",
    "purpose_code",
    "purpose_note",
    "outcome",
    "trace_id",
    "prev_hash",
    "hash",
];

/// The header line, CRLF-terminated.
pub fn header_line() -> String {
    line(HEADER.iter().map(|h| h.to_string()).collect())
}

/// One record as a CSV line, CRLF-terminated.
pub fn record_line(r: &AccessRecord) -> String {
    let d = &r.draft;
    let json = |list: &Vec<String>| serde_json::to_string(list).unwrap_or_default();
    line(vec![
        r.sequence.to_string(),
        r.audit_id.clone(),
        d.time.to_rfc3339_opts(SecondsFormat::Millis, true),
        d.time.timestamp_millis().to_string(),
        d.account.clone(),
        d.role.clone(),
        d.department.clone(),
        d.channel.clone(),
        d.client_address.clone(),
        d.operation.clone(),
        d.action.as_str().to_string(),
        serde_json::to_string(&d.subjects).unwrap_or_default(),
        json(&d.sources),
        json(&d.clear_fields),
        d.purpose_code.clone(),
        d.purpose_note.clone(),
        d.outcome.as_str().to_string(),
        d.trace_id.clone(),
        r.prev_hash.clone(),
        r.hash.clone(),
    ])
}

/// Any row as a CSV line (quoting and formula guard as above), CRLF-terminated; also used
/// by the hub's other spreadsheet exports (the knowledge-gap report).
pub fn line(fields: Vec<String>) -> String {
    let mut out = Vec::new();
    write_row(&mut out, fields.iter().map(String::as_str));
    String::from_utf8(out).expect("the fields were UTF-8")
}

/// The formula-injection guard: a field starting with `=` `+` `-` `@` TAB CR or `'` gets one
/// leading `'` (see the module docs; [`parse`] removes it again).
pub fn guard(field: &str) -> std::borrow::Cow<'_, str> {
    match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{field}").into(),
        _ => field.into(),
    }
}

/// Appends one guarded, RFC 4180-quoted, CRLF-terminated row to `out` (the dialect of this
/// module, written by the `csv` crate).
pub fn write_row<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(out);
    let guarded: Vec<std::borrow::Cow<'_, str>> = fields.into_iter().map(guard).collect();
    // Writing to a Vec cannot fail.
    w.write_record(guarded.iter().map(|f| f.as_bytes()))
        .and_then(|()| w.flush().map_err(::csv::Error::from))
        .expect("writing CSV to memory");
}

/// Splits CSV text (BOM optional) into rows of fields, undoing quoting and the guard.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, AuditError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    // Quotes come in pairs in this dialect (open/close, doubled inside); an odd count means
    // the text ends inside a quoted field, which the csv reader would accept silently.
    if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        return Err(AuditError::Io(
            "records CSV ends inside a quoted field".into(),
        ));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| AuditError::Io(format!("records CSV: {e}")))?;
        rows.push(row.iter().map(|f| unguard(f.to_string())).collect());
    }
    Ok(rows)
}

fn unguard(field: String) -> String {
    match field.strip_prefix('\'') {
        Some(rest) => rest.to_string(),
        None => field,
    }
}

/// Rebuilds a record from a parsed row (the [`HEADER`] order). `line` is the 1-based line
/// number for error messages.
pub fn record_from_fields(fields: &[String], line: usize) -> Result<AccessRecord, AuditError> {
    let bad = |what: &str| AuditError::Io(format!("records CSV row {line}: {what}"));
    if fields.len() != HEADER.len() {
        return Err(bad("wrong number of fields"));
    }
    let f = |i: usize| fields[i].clone();
    let list = |i: usize| -> Result<Vec<String>, AuditError> {
        serde_json::from_str(&fields[i]).map_err(|_| bad("list is not a JSON string array"))
    };
    let sequence = fields[0].parse().map_err(|_| bad("bad sequence"))?;
    let time_ms: i64 = fields[3].parse().map_err(|_| bad("bad time_ms"))?;
    let time = DateTime::from_timestamp_millis(time_ms).ok_or_else(|| bad("time out of range"))?;
    // The readable column must say the same as the hashed one, or a reader could be misled.
    if fields[2] != time.to_rfc3339_opts(SecondsFormat::Millis, true) {
        return Err(bad("time and time_ms disagree"));
    }
    let subjects: Vec<Subject> = serde_json::from_str(&fields[11])
        .map_err(|_| bad("subjects is not a JSON array of {kind, hmac, masked}"))?;
    let draft = RecordDraft {
        time,
        account: f(4),
        role: f(5),
        department: f(6),
        channel: f(7),
        client_address: f(8),
        operation: f(9),
        action: fields[10].parse().map_err(|_| bad("unknown action"))?,
        subjects,
        sources: list(12)?,
        clear_fields: list(13)?,
        purpose_code: f(14),
        purpose_note: f(15),
        outcome: fields[16].parse().map_err(|_| bad("unknown outcome"))?,
        trace_id: f(17),
    };
    Ok(AccessRecord {
        sequence,
        audit_id: f(1),
        draft,
        prev_hash: f(18),
        hash: f(19),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::chain_of;

    #[test]
    fn records_round_trip_with_quotes_commas_newlines_korean_and_formulas() {
        let mut records = chain_of(3);
        records[0].draft.purpose_note = "민원, \"급함\"\r\n두 줄".into();
        records[1].draft.purpose_note = "=HYPERLINK(\"http://x\")".into();
        records[1].draft.account = "'quoted".into();
        records[2].draft.subjects.clear();
        records[1].draft.subjects.push(Subject {
            kind: "vehicle_number".into(),
            hmac: "ab".repeat(32),
            masked: "12가****".into(),
        });
        records[0].draft.subjects[0].kind.clear();
        records[2].draft.sources = vec![];
        let mut text = String::from(BOM);
        text.push_str(&header_line());
        for r in &records {
            text.push_str(&record_line(r));
        }
        assert!(text.contains(",\"'=HYPERLINK("), "formula guarded");
        let rows = parse(&text).unwrap();
        assert_eq!(rows[0], HEADER.map(String::from).to_vec());
        let back: Vec<AccessRecord> = rows[1..]
            .iter()
            .enumerate()
            .map(|(i, row)| record_from_fields(row, i + 2).unwrap())
            .collect();
        assert_eq!(back, records);
    }

    #[test]
    fn an_unterminated_quote_is_an_error() {
        assert!(parse("a,\"b\r\n").is_err());
    }
}
