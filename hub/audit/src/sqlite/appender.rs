//! The SQLite store's [`BlockingAppender`]: one write connection of its own, opened on first
//! use on the writer's thread and kept there, so a batch goes from the writer's queue straight
//! into `BEGIN IMMEDIATE … COMMIT` with no pool check-out and no blocking-pool hand-off. Its
//! WAL checkpoints run on a thread of their own ([`super::wal`]), not inside a commit.

use super::wal::WalCheckpoints;
use super::{append_on, check_sealed_continue, schema};
use crate::{AccessRecord, AuditError, BlockingAppender};
use rusqlite::Connection;
use std::path::PathBuf;

/// Appends on the calling thread over its own connection to the store's file.
pub(super) struct SqliteAppender {
    path: PathBuf,
    /// `None` until the first append, and again after a failed open.
    conn: Option<Connection>,
    /// The checkpoint thread, started with the connection (`None`: SQLite checkpoints
    /// inside commits, as it does by default).
    wal: Option<WalCheckpoints>,
}

impl SqliteAppender {
    pub(super) fn new(path: PathBuf) -> Self {
        SqliteAppender {
            path,
            conn: None,
            wal: None,
        }
    }
}

impl BlockingAppender for SqliteAppender {
    fn append(&mut self, records: &[AccessRecord]) -> Result<(), AuditError> {
        if records.is_empty() {
            return Ok(());
        }
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let conn = Connection::open(&self.path).map_err(schema::db_error)?;
                // The same durability settings as every pooled connection (WAL, FULL).
                schema::configure(&conn)?;
                if self.wal.is_none() {
                    self.wal = WalCheckpoints::start(self.path.clone());
                }
                if self.wal.is_some() {
                    // Checkpoints are the WAL thread's job; this connection only commits.
                    conn.pragma_update(None, "wal_autocheckpoint", 0)
                        .map_err(schema::db_error)?;
                }
                self.conn.insert(conn)
            }
        };
        append_on(conn, records, check_sealed_continue)?;
        if let Some(wal) = self.wal.as_mut() {
            wal.committed(records.len());
        }
        Ok(())
    }
}
