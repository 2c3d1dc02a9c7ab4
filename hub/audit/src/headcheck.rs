//! The writer's check of a head it did not write itself.
//!
//! The writer keeps the last head it verified (read at start, or committed by itself). When
//! it has to re-read the head from the store — another replica appended (PostgreSQL), or an
//! append failed and it is unknown whether it committed — it does not simply chain onto
//! whatever the store now says. It first proves that the new head continues the known one:
//! it reads the records from the known head to the new head, recomputes each one's hash and
//! checks each links onto the previous, starting at the known hash. Only then does it chain
//! new records onto the new head or sign a checkpoint for it.
//!
//! A new head that is shorter than the known one, has another hash at the same sequence, or
//! is reached through records that do not chain means history was rewritten under a running
//! hub: [`AuditError::Integrity`]. The writer then fails closed for good (see
//! [`crate::AuditLog::integrity_failure`]).

use crate::chain::GENESIS_HASH;
use crate::{AuditError, AuditStore, RecordFilter, verify_chain};

/// Records read per query while checking.
const PAGE: usize = 1000;

/// A chain head: the last sequence (0 for an empty trail) and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) sequence: u64,
    pub(crate) hash: String,
}

impl Head {
    /// The head as a store reports it (`None` = empty trail).
    pub(crate) fn from_store(head: Option<(u64, String)>) -> Head {
        match head {
            Some((sequence, hash)) => Head { sequence, hash },
            None => Head {
                sequence: 0,
                hash: GENESIS_HASH.to_string(),
            },
        }
    }
}

fn integrity(sequence: u64, reason: impl Into<String>) -> AuditError {
    AuditError::Integrity {
        sequence,
        reason: reason.into(),
    }
}

/// Proves that `new` (just read from `store`) continues `known` (the last head this writer
/// verified). `Err(Integrity)` when it does not; `Err(Unavailable)` when the store could not
/// be read (then nothing is known either way and the check is repeated later).
pub(crate) async fn check_continues_known(
    store: &dyn AuditStore,
    known: &Head,
    new: &Head,
) -> Result<(), AuditError> {
    if new.sequence < known.sequence {
        return Err(integrity(
            new.sequence + 1,
            format!(
                "the stored trail now ends at {} but this writer knew record {}: records \
                 were removed",
                new.sequence, known.sequence
            ),
        ));
    }
    // Start at the known head itself (its content must still give its hash), then every
    // record up to the new head must chain onto it.
    let mut filter = RecordFilter {
        after_sequence: known.sequence.saturating_sub(1),
        ..RecordFilter::default()
    };
    let mut last = if known.sequence == 0 {
        Head::from_store(None)
    } else {
        let page = read(store, &filter, 1).await?;
        let Some(record) = page.first().filter(|r| r.sequence == known.sequence) else {
            return Err(integrity(
                known.sequence,
                "the record at the known head is gone from the store",
            ));
        };
        if record.hash != known.hash {
            return Err(integrity(
                known.sequence,
                "the stored record at the known head has another hash: history was rewritten",
            ));
        }
        verify_chain(std::slice::from_ref(record), None).map_err(as_integrity)?;
        filter.after_sequence = known.sequence;
        known.clone()
    };
    while last.sequence < new.sequence {
        let want = usize::try_from(new.sequence - last.sequence).unwrap_or(PAGE);
        let page = read(store, &filter, want.min(PAGE)).await?;
        let Some(first) = page.first() else {
            return Err(integrity(
                last.sequence + 1,
                format!("records after {} are missing from the store", last.sequence),
            ));
        };
        if first.sequence != last.sequence + 1 {
            return Err(integrity(
                last.sequence + 1,
                format!("record missing (next present is {})", first.sequence),
            ));
        }
        verify_chain(&page, Some(&last.hash)).map_err(as_integrity)?;
        let tail = page.last().expect("page is not empty");
        last = Head {
            sequence: tail.sequence,
            hash: tail.hash.clone(),
        };
        filter.after_sequence = last.sequence;
    }
    if last.sequence != new.sequence || last.hash != new.hash {
        return Err(integrity(
            new.sequence,
            "the stored head is not the end of the chain read from the store",
        ));
    }
    Ok(())
}

async fn read(
    store: &dyn AuditStore,
    filter: &RecordFilter,
    limit: usize,
) -> Result<Vec<crate::AccessRecord>, AuditError> {
    let filter = RecordFilter {
        limit,
        ..filter.clone()
    };
    match store.query(&filter).await {
        Ok(records) => Ok(records),
        // A stored row that cannot even be decoded is as much a rewrite as a wrong hash.
        Err(AuditError::Corrupt { sequence, reason }) => Err(integrity(sequence, reason)),
        Err(other) => Err(other),
    }
}

fn as_integrity(error: AuditError) -> AuditError {
    match error {
        AuditError::Corrupt { sequence, reason } => integrity(sequence, reason),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::test_support::chain_of;

    fn head_of(records: &[crate::AccessRecord], n: usize) -> Head {
        Head {
            sequence: records[n - 1].sequence,
            hash: records[n - 1].hash.clone(),
        }
    }

    #[tokio::test]
    async fn an_honest_advance_passes_and_a_rewritten_or_shorter_head_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let records = chain_of(6);
        store.append(&records).await.unwrap();
        let known = head_of(&records, 3);
        let new = head_of(&records, 6);
        check_continues_known(&store, &known, &new).await.unwrap();
        check_continues_known(&store, &Head::from_store(None), &new)
            .await
            .unwrap();
        check_continues_known(&store, &new, &new).await.unwrap();

        let err = check_continues_known(&store, &new, &known)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AuditError::Integrity { sequence: 4, .. }),
            "{err}"
        );
        let forged = Head {
            sequence: 3,
            hash: "ab".repeat(32),
        };
        let err = check_continues_known(&store, &forged, &new)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AuditError::Integrity { sequence: 3, .. }),
            "{err}"
        );
        let not_the_end = Head {
            sequence: 6,
            hash: "cd".repeat(32),
        };
        let err = check_continues_known(&store, &known, &not_the_end)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AuditError::Integrity { sequence: 6, .. }),
            "{err}"
        );
    }
}
