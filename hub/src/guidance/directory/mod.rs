//! The office directory: Gimpo's 14 eup/myeon/dong offices and the routing from an address to
//! the office whose area it lies in — for the counselor's hand-off (`DirectoryService`) and
//! for the handling office of each case ([`crate::answer::convert::case`]).
//!
//! The table is data ([`gimpo_offices.toml`](./gimpo_offices.toml), compiled in; phones,
//! addresses and the road table are sample data, as the file says). Routing looks at the
//! address's words, in this order, and the first that decides wins:
//! 1. the administrative dong / eup / myeon itself (`사우동`, `통진읍`) — what people write
//!    and what a road address repeats in its parentheses;
//! 2. a road name lying within one office (`사우중로`, also `사우중로87번길`);
//! 3. a legal dong or ri belonging to one office (`마송리`, `북변동`).
//!
//! An address naming another city or county (`서울특별시 …`, `인천광역시 서구 …`) matches
//! nothing. Addresses are personal data: nothing here logs them or puts them in an error.

pub mod route;

pub use route::{MatchKind, Routed};

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The built-in table.
const GIMPO_OFFICES: &str = include_str!("gimpo_offices.toml");

/// One eup/myeon/dong office.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// The administrative unit, e.g. `사우동`.
    pub name: String,
    /// `읍`, `면` or `동`.
    pub kind: String,
    /// Office phone.
    pub phone: String,
    /// Office address.
    pub address: String,
    /// Opening hours.
    pub hours: String,
    /// Phone and address are sample data.
    pub sample: bool,
    /// Legal dongs (법정동) and ri in its area.
    pub legal_dongs: Vec<String>,
    /// Road names lying wholly within its area.
    pub roads: Vec<String>,
}

impl Office {
    /// `사우동 행정복지센터`.
    pub fn display_name(&self) -> String {
        format!("{} 행정복지센터", self.name)
    }
}

/// A directory table that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    /// The TOML does not parse into offices.
    #[error("office table: {0}")]
    Parse(String),
    /// A name would route to two offices.
    #[error("office table: {0:?} is listed under both {1} and {2}")]
    Duplicate(String, String, String),
    /// An office has an unusable field.
    #[error("office table: office {0:?}: {1}")]
    Invalid(String, &'static str),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    office: Vec<Office>,
}

/// The offices and their routing indexes.
#[derive(Debug)]
pub struct Directory {
    offices: Vec<Office>,
    by_name: HashMap<String, usize>,
    by_road: HashMap<String, usize>,
    by_legal: HashMap<String, usize>,
}

impl Directory {
    /// Gimpo's table, parsed once.
    pub fn builtin() -> &'static Directory {
        static DIR: OnceLock<Directory> = OnceLock::new();
        DIR.get_or_init(|| {
            // The table is compiled in and checked by a unit test, so this cannot fail at run
            // time for a built binary.
            Directory::from_toml(GIMPO_OFFICES).expect("the built-in office table is valid")
        })
    }

    /// Parses and checks a table: every field filled, every routing name in one office only.
    pub fn from_toml(text: &str) -> Result<Directory, DirectoryError> {
        let table: Table =
            toml::from_str(text).map_err(|e| DirectoryError::Parse(e.to_string()))?;
        let mut dir = Directory {
            offices: Vec::new(),
            by_name: HashMap::new(),
            by_road: HashMap::new(),
            by_legal: HashMap::new(),
        };
        // One namespace for all three kinds, so no word can mean two offices.
        let mut owner: HashMap<String, String> = HashMap::new();
        for (i, o) in table.office.into_iter().enumerate() {
            for (value, what) in [
                (&o.name, "name is empty"),
                (&o.phone, "phone is empty"),
                (&o.address, "address is empty"),
                (&o.hours, "hours is empty"),
            ] {
                if value.trim().is_empty() {
                    return Err(DirectoryError::Invalid(o.name.clone(), what));
                }
            }
            if !["읍", "면", "동"].contains(&o.kind.as_str()) || !o.name.ends_with(o.kind.as_str())
            {
                return Err(DirectoryError::Invalid(
                    o.name.clone(),
                    "kind must be 읍, 면 or 동 and end the name",
                ));
            }
            let names = std::iter::once(&o.name).chain(&o.roads).chain(
                // An office's own name may also be its legal dong (사우동 is both).
                o.legal_dongs.iter().filter(|l| **l != o.name),
            );
            for n in names {
                if let Some(prev) = owner.insert(n.clone(), o.name.clone()) {
                    return Err(DirectoryError::Duplicate(n.clone(), prev, o.name.clone()));
                }
            }
            dir.by_name.insert(o.name.clone(), i);
            for r in &o.roads {
                dir.by_road.insert(r.clone(), i);
            }
            for l in &o.legal_dongs {
                dir.by_legal.insert(l.clone(), i);
            }
            dir.offices.push(o);
        }
        Ok(dir)
    }

    /// Every office, in table order.
    pub fn offices(&self) -> &[Office] {
        &self.offices
    }

    /// The office named `name` (`사우동`).
    pub fn office(&self, name: &str) -> Option<&Office> {
        self.by_name.get(name).map(|&i| &self.offices[i])
    }
}

#[cfg(test)]
mod tests;
