//! Builders shared by the inline unit tests.

use crate::chain::{GENESIS_HASH, seal};
use crate::{AccessRecord, Action, Outcome, RecordDraft, Subject};
use chrono::DateTime;

/// A plausible draft; `n` varies account, time and trace id.
pub fn draft(n: u64) -> RecordDraft {
    RecordDraft {
        time: DateTime::from_timestamp_millis(1_700_000_000_000 + n as i64 * 1000).unwrap(),
        account: format!("counselor{:02}", n % 3),
        role: "counselor".into(),
        department: "민원여권과".into(),
        channel: "desktop".into(),
        client_address: "10.0.0.7".into(),
        operation: "GetCitizenOverview".into(),
        action: Action::View,
        subjects: vec![Subject {
            kind: "rrn".into(),
            hmac: format!("{n:064x}"),
            masked: "900101-1******".into(),
        }],
        sources: vec!["saeol".into(), "tax".into()],
        clear_fields: vec!["name".into()],
        purpose_code: "citizen_inquiry".into(),
        purpose_note: "전화 문의".into(),
        outcome: Outcome::Allowed,
        trace_id: format!("{n:032x}"),
    }
}

/// `n` records chained from genesis.
pub fn chain_of(n: u64) -> Vec<AccessRecord> {
    let mut prev = GENESIS_HASH.to_string();
    (1..=n)
        .map(|seq| {
            let r = seal(seq, &prev, draft(seq));
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}
