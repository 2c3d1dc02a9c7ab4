//! `QueryAccessRecords`' request checked and turned into a [`RecordFilter`]: time bounds
//! (timestamps, or KST dates), account, role, department, channel, source, operation,
//! action, data subjects, purpose, outcome, and the page token.

use super::status;
use minwon_audit::{Action, Outcome, RecordFilter, Subject, SubjectKey, kst};
use minwon_proto::v1 as pb;
use tonic::Status;

/// Most records one page (one call) may return.
pub const MAX_LIMIT: u32 = 10_000;

/// A checked query: the filter (its `limit` is the page size asked), and the subjects it
/// names (recorded with the query).
pub struct CheckedQuery {
    /// What to read.
    pub filter: RecordFilter,
    /// The data subjects the query names.
    pub subjects: Vec<Subject>,
}

fn time_of(
    t: &Option<prost_types::Timestamp>,
    field: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, Status> {
    t.as_ref()
        .map(|ts| {
            chrono::DateTime::from_timestamp(ts.seconds, ts.nanos.max(0) as u32)
                .ok_or_else(|| status::invalid_message(format!("{field}: not a valid time")))
        })
        .transpose()
}

/// A KST date field, `YYYY-MM-DD`, as the UTC instant of its KST midnight.
fn date_of(text: &str, field: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, Status> {
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| Some(kst::day_start(d)))
        .map_err(|_| status::invalid_message(format!("{field}: expected YYYY-MM-DD (KST)")))
}

/// An exact-match text filter: empty = any; bounded, no control characters.
fn text(value: &str, field: &str) -> Result<Option<String>, Status> {
    if value.chars().count() > 128 || value.chars().any(char::is_control) {
        return Err(status::invalid_message(format!(
            "{field}: at most 128 characters, no control characters"
        )));
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

/// The sequence a page token (the last received `audit_id`, `{sequence:012}-{hash prefix}`)
/// continues after.
fn after_token(token: &str) -> Result<u64, Status> {
    if token.is_empty() {
        return Ok(0);
    }
    let bad = || {
        status::invalid_message(
            "page_token: expected the audit_id of the last record received, e.g. \
             000000000123-1a2b3c4d5e6f",
        )
    };
    let (seq, hash) = token.split_once('-').ok_or_else(bad)?;
    if seq.len() != 12 || hash.len() != 12 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    seq.parse().map_err(|_| bad())
}

/// Checks a request; errors name the field.
pub fn check(key: &SubjectKey, r: &pb::QueryAccessRecordsRequest) -> Result<CheckedQuery, Status> {
    let limit = match r.limit {
        0 => 1000,
        l if l <= MAX_LIMIT => l,
        _ => {
            return Err(status::invalid_message(
                "limit: at most 10000 per page (0 means 1000); page on with page_token",
            ));
        }
    };
    let subjects = super::subjects::of_audit_query(key, r)?;
    let purpose_code =
        crate::access::validate::PurposeCode::from_pb(r.purpose).map(|p| p.as_str().to_string());
    let outcome =
        match pb::AccessOutcome::try_from(r.outcome).unwrap_or(pb::AccessOutcome::Unspecified) {
            pb::AccessOutcome::Unspecified => None,
            pb::AccessOutcome::Allowed => Some(Outcome::Allowed),
            pb::AccessOutcome::Denied => Some(Outcome::Denied),
            pb::AccessOutcome::Failed => Some(Outcome::Failed),
        };
    let action = match r.action.as_str() {
        "" => None,
        a => Some(a.parse::<Action>().map_err(|_| {
            status::invalid_message("action: \"view\", \"export\" or empty for both")
        })?),
    };
    let (from_date, to_date) = (
        date_of(&r.from_date, "from_date")?,
        date_of(&r.to_date, "to_date")?,
    );
    if (from_date.is_some() && r.from.is_some()) || (to_date.is_some() && r.to.is_some()) {
        return Err(status::invalid_message(
            "from_date/to_date: give either from/to (timestamps) or from_date/to_date (KST \
             days), not both",
        ));
    }
    let filter = RecordFilter {
        from: from_date.or(time_of(&r.from, "from")?),
        to: to_date.or(time_of(&r.to, "to")?),
        account: text(&r.account, "account")?,
        subject_hmacs: subjects.iter().map(|s| s.hmac.clone()).collect(),
        purpose_code,
        outcome,
        role: text(&r.role, "role")?,
        department: text(&r.department, "department")?,
        channel: text(&r.channel, "channel")?,
        source: text(&r.source, "source")?,
        operation: text(&r.operation, "operation")?,
        action,
        after_sequence: after_token(&r.page_token)?,
        limit: limit as usize,
    };
    Ok(CheckedQuery { filter, subjects })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SubjectKey {
        SubjectKey::from_bytes(&[9; 32]).unwrap()
    }

    #[test]
    fn kst_dates_are_kst_midnights_and_tokens_continue_after_their_sequence() {
        let q = check(
            &key(),
            &pb::QueryAccessRecordsRequest {
                from_date: "2026-11-01".into(),
                to_date: "2026-12-01".into(),
                page_token: "000000000123-1a2b3c4d5e6f".into(),
                role: "counselor".into(),
                source: "tax".into(),
                action: "export".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let f = q.filter;
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-10-31T15:00:00+00:00");
        assert_eq!(f.to.unwrap().to_rfc3339(), "2026-11-30T15:00:00+00:00");
        assert_eq!(f.after_sequence, 123);
        assert_eq!(f.role.as_deref(), Some("counselor"));
        assert_eq!(f.source.as_deref(), Some("tax"));
        assert_eq!(f.action, Some(Action::Export));
        assert_eq!(f.limit, 1000);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |r: pb::QueryAccessRecordsRequest| check(&key(), &r).err().unwrap();
        let e = err(pb::QueryAccessRecordsRequest {
            page_token: "123".into(),
            ..Default::default()
        });
        assert!(e.message().starts_with("page_token"), "{}", e.message());
        let e = err(pb::QueryAccessRecordsRequest {
            from_date: "2026-11-31".into(),
            ..Default::default()
        });
        assert!(e.message().starts_with("from_date"), "{}", e.message());
        let e = err(pb::QueryAccessRecordsRequest {
            action: "delete".into(),
            ..Default::default()
        });
        assert!(e.message().starts_with("action"), "{}", e.message());
        let e = err(pb::QueryAccessRecordsRequest {
            from_date: "2026-11-01".into(),
            from: Some(prost_types::Timestamp::default()),
            ..Default::default()
        });
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        let e = err(pb::QueryAccessRecordsRequest {
            limit: 10_001,
            ..Default::default()
        });
        assert!(e.message().contains("page_token"), "{}", e.message());
    }
}
