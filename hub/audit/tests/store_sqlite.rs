//! The store suite (tests/common/suite.rs and tamper.rs) against SQLite.

mod common;

use common::harness::sqlite_db;

common::store_suite!(sqlite_db);
