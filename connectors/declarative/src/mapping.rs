//! From one record — a portal `<item>`, or a JSON object flattened to the same dotted-path
//! form by [`flatten`] — to the unified [`Case`], as the table's `[mapping]` says. Every
//! failure is a BadResponse naming the connector's record and the path, never the value.

use crate::spec::{CaseKindName, Mapping, PersonalName, StatusName};
use chrono::NaiveDate;
use minwon_connector_sdk::dates::{kst_midnight, parse_date, parse_date_as, parse_won};
use minwon_connector_sdk::portal::Item;
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use serde_json::Value;

/// A JSON value as a record: every scalar under its dotted path (`applicant.name`,
/// `items.0.itemName`); numbers and booleans as their JSON text, `null` left out.
pub fn flatten(v: &Value) -> Item {
    let mut item = Item::new();
    walk(v, String::new(), &mut item);
    item
}

fn walk(v: &Value, path: String, out: &mut Item) {
    let child = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Null => {}
        Value::String(s) => {
            out.insert(&path, s);
        }
        Value::Bool(b) => {
            out.insert(&path, if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            out.insert(&path, &n.to_string());
        }
        Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, child(k), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| walk(v, child(&i.to_string()), out)),
    }
}

/// The `{path}` placeholders of a title, or why the title is malformed.
pub fn placeholders(title: &str) -> Result<Vec<&str>, &'static str> {
    let mut out = Vec::new();
    let mut rest = title;
    while let Some(open) = rest.find('{') {
        if rest[..open].contains('}') {
            return Err("a `}` without its `{`");
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("a `{` without its `}`")?;
        let path = after[..close].trim();
        if path.is_empty() || path.contains('{') {
            return Err("an empty or nested `{}` placeholder");
        }
        out.push(path);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` without its `{`");
    }
    Ok(out)
}

/// The unified case kind of a configured name.
pub fn case_kind(k: CaseKindName) -> CaseKind {
    match k {
        CaseKindName::Complaint => CaseKind::Complaint,
        CaseKindName::TaxBill => CaseKind::TaxBill,
        CaseKindName::TrafficFine => CaseKind::TrafficFine,
        CaseKindName::WelfareApplication => CaseKind::WelfareApplication,
        CaseKindName::WaterBill => CaseKind::WaterBill,
        CaseKindName::ParkingTicket => CaseKind::ParkingTicket,
        CaseKindName::Other => CaseKind::Other,
    }
}

fn status(s: StatusName) -> CaseStatus {
    match s {
        StatusName::Received => CaseStatus::Received,
        StatusName::InProgress => CaseStatus::InProgress,
        StatusName::Completed => CaseStatus::Completed,
        StatusName::Rejected => CaseStatus::Rejected,
        StatusName::Unpaid => CaseStatus::Unpaid,
        StatusName::Paid => CaseStatus::Paid,
        StatusName::Overdue => CaseStatus::Overdue,
        StatusName::ObjectionFiled => CaseStatus::ObjectionFiled,
        StatusName::Cancelled => CaseStatus::Cancelled,
    }
}

/// One mapped connector: its name (the cases' source), kind, fallback department and mapping.
#[derive(Debug, Clone)]
pub struct Mapper {
    /// The connector's name.
    pub source: String,
    /// Every case's kind.
    pub kind: CaseKind,
    /// Used when a record names no office.
    pub department: String,
    /// The table's mapping.
    pub mapping: Mapping,
}

impl Mapper {
    fn get<'a>(item: &'a Item, path: &str) -> Option<&'a str> {
        item.get(path).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn bad(&self, path: &str, should: &str) -> ConnectorError {
        ConnectorError::bad_response(format!("{} record {path} is not {should}", self.source))
    }

    fn required<'a>(&self, item: &'a Item, path: &str) -> Result<&'a str, ConnectorError> {
        Self::get(item, path).ok_or_else(|| {
            ConnectorError::bad_response(format!("{} record without {path}", self.source))
        })
    }

    fn date(
        &self,
        item: &Item,
        path: &Option<String>,
    ) -> Result<Option<NaiveDate>, ConnectorError> {
        let Some(p) = path else { return Ok(None) };
        let Some(v) = Self::get(item, p) else {
            return Ok(None);
        };
        let d = match &self.mapping.date_format {
            Some(f) => parse_date_as(v, f),
            None => parse_date(v),
        };
        d.map(Some).ok_or_else(|| self.bad(p, "a date"))
    }

    /// The unified status of a native word (`Unknown` when the table lacks it).
    pub fn status(&self, word: &str) -> CaseStatus {
        self.mapping
            .status_table
            .get(word.trim())
            .map_or(CaseStatus::Unknown, |s| status(*s))
    }

    /// Maps one record.
    pub fn to_case(&self, item: &Item) -> Result<Case, ConnectorError> {
        let m = &self.mapping;
        let native_id = self.required(item, &m.id)?;
        let source_status = self.required(item, &m.status)?;
        let amount_krw = match m
            .amount
            .as_deref()
            .and_then(|p| Self::get(item, p).map(|v| (p, v)))
        {
            None => None,
            Some((p, v)) => Some(parse_won(v).ok_or_else(|| self.bad(p, "a whole number of won"))?),
        };
        let mut title = String::new();
        let mut rest = m.title.as_str();
        while let Some(open) = rest.find('{') {
            title.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            title.push_str(Self::get(item, after[..close].trim()).unwrap_or(""));
            rest = &after[close + 1..];
        }
        title.push_str(rest);
        let text = |p: &Option<String>| p.as_deref().and_then(|p| Self::get(item, p));
        let mut personal = PersonalData::default();
        for (field, path) in &m.personal {
            let v = Self::get(item, path).map(str::to_string);
            match field {
                PersonalName::Name => personal.name = v,
                PersonalName::Phone => personal.phone = v,
                PersonalName::Address => personal.address = v,
                PersonalName::VehicleNumber => personal.vehicle_number = v,
                PersonalName::AccountNumber => personal.account_number = v,
            }
        }
        Ok(Case {
            source: self.source.clone(),
            native_id: native_id.to_string(),
            kind: self.kind,
            title: title.trim().to_string(),
            status: self.status(source_status),
            source_status: source_status.to_string(),
            amount_krw,
            opened_at: self.date(item, &m.opened)?.map(kst_midnight),
            updated_at: self.date(item, &m.updated)?.map(kst_midnight),
            due_date: self.date(item, &m.due)?,
            department: text(&m.department).unwrap_or(&self.department).to_string(),
            contact: text(&m.contact).unwrap_or("").to_string(),
            attributes: m
                .attributes
                .iter()
                .filter_map(|(k, p)| Self::get(item, p).map(|v| (k.clone(), v.to_string())))
                .collect(),
            personal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapper() -> Mapper {
        let mapping: Mapping = toml::from_str(
            r#"
            id = "no"
            title = "신고 ({items.0.name} 외)"
            status = "st"
            amount = "fee"
            due = "due"
            department = "dept"
            attributes = { when = "due" }
            personal = { name = "who.name" }
            [status_table]
            "접수" = "received"
            "#,
        )
        .unwrap();
        Mapper {
            source: "waste".into(),
            kind: CaseKind::Other,
            department: "자원순환과".into(),
            mapping,
        }
    }

    #[test]
    fn a_flattened_record_maps_to_a_case() {
        let rec = flatten(
            &json!({"no": "B-1", "st": "접수", "fee": 14000, "due": "2026-12-18",
            "who": {"name": "김민서"}, "items": [{"name": "장롱"}], "gone": null}),
        );
        assert_eq!(&rec["items.0.name"], "장롱");
        assert!(!rec.contains_key("gone"));
        let c = mapper().to_case(&rec).unwrap();
        assert_eq!((c.source.as_str(), c.native_id.as_str()), ("waste", "B-1"));
        assert_eq!(c.title, "신고 (장롱 외)");
        assert_eq!(
            (c.status, c.amount_krw),
            (CaseStatus::Received, Some(14_000))
        );
        assert_eq!(
            c.department, "자원순환과",
            "falls back to the table's department"
        );
        assert_eq!(c.attributes["when"], "2026-12-18");
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        let mut unknown = rec.clone();
        unknown.insert("st", "보류");
        assert_eq!(
            mapper().to_case(&unknown).unwrap().status,
            CaseStatus::Unknown
        );
    }

    #[test]
    fn errors_name_the_path_never_the_value() {
        let rec = flatten(&json!({"no": "B-1", "st": "접수", "fee": "김민서", "due": "x"}));
        let e = mapper().to_case(&rec).unwrap_err();
        assert_eq!(e.message, "waste record fee is not a whole number of won");
        let rec = flatten(&json!({"st": "접수"}));
        assert_eq!(
            mapper().to_case(&rec).unwrap_err().message,
            "waste record without no"
        );
        let rec = flatten(&json!({"no": "1", "st": "접수", "due": "김포 12"}));
        let e = mapper().to_case(&rec).unwrap_err();
        assert!(e.message.contains("due") && !e.message.contains("김포"));
    }

    #[test]
    fn title_placeholders_are_checked() {
        assert_eq!(placeholders("a {b} c {d.e}").unwrap(), vec!["b", "d.e"]);
        for bad in ["a {b", "a }b{", "{}", "{a{b}}"] {
            assert!(placeholders(bad).is_err(), "{bad}");
        }
    }
}
