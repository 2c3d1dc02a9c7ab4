//! The simulator's data: large-waste bookings for every citizen of the synthetic population
//! who has records in this source, deterministic from `population.rng_for(citizen, NAME)`.
//!
//! PROTOCOL: the records are this back-end's. The rules are every simulator's: draw only for
//! citizens where `population.has_records(citizen, NAME)` (always true for the first
//! `FULL_COVERAGE` citizens, so the demo has "everything" citizens), use the citizen's own
//! name, phone and address, and make ids unique and stable for a population.

use crate::NAME;
use crate::protocol::field;
use chrono::NaiveDate;
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The simulated "today" (the same as the other simulators').
pub fn sim_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).expect("a valid date")
}

/// The office every booking names, and its phone.
pub const OFFICE: (&str, &str) = ("환경과", "031-980-2631");

/// Items a citizen may put out, with their size class and fee in won. Home appliances are not
/// here on purpose: they are collected free of charge by a separate service (폐가전 무상방문수거).
const ITEMS: [(&str, &str, i64); 10] = [
    ("장롱", "폭 1m 이상", 10_000),
    ("장롱", "폭 1m 미만", 6_000),
    ("침대", "더블 이상", 15_000),
    ("매트리스", "싱글", 8_000),
    ("소파", "3인용", 10_000),
    ("식탁", "4인용", 6_000),
    ("책상", "", 5_000),
    ("의자", "", 2_000),
    ("서랍장", "3단 이상", 5_000),
    ("자전거", "", 3_000),
];

/// One booking (배출 신고).
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    /// Booking number `LW-YYYY-IIIIJJ`.
    pub no: String,
    /// Applicant's name.
    pub name: String,
    /// Applicant's phone.
    pub phone: String,
    /// Collection address.
    pub address: String,
    /// (item index into the item table, quantity).
    pub items: Vec<(usize, u32)>,
    /// Application date.
    pub applied: NaiveDate,
    /// Booked collection date.
    pub collection: NaiveDate,
    /// Status word.
    pub status: &'static str,
}

impl Booking {
    /// Total fee in won.
    pub fn total_fee(&self) -> i64 {
        self.items
            .iter()
            .map(|(i, q)| ITEMS[*i].2 * i64::from(*q))
            .sum()
    }

    /// The booking as a JSON object, in the protocol's field names.
    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|(i, q)| {
                let (name, spec, fee) = ITEMS[*i];
                json!({field::ITEM_NAME: name, field::SPEC: spec, field::QUANTITY: q,
                       "fee": fee * i64::from(*q)})
            })
            .collect();
        json!({
            field::BOOKING_NO: self.no,
            field::APPLICANT_NAME: self.name,
            field::APPLICANT_PHONE: self.phone,
            field::COLLECTION_ADDRESS: self.address,
            field::ITEMS: items,
            field::TOTAL_FEE: self.total_fee(),
            field::APPLIED_DATE: self.applied.to_string(),
            field::COLLECTION_DATE: self.collection.to_string(),
            field::STATUS: self.status,
            field::DEPT_NAME: OFFICE.0,
            field::DEPT_TEL: OFFICE.1,
        })
    }
}

/// Every booking of the population, by applicant RRN and by booking number.
#[derive(Debug, Default)]
pub struct Ledger {
    by_rrn: HashMap<String, Vec<Booking>>,
    by_no: HashMap<String, (String, usize)>,
}

impl Ledger {
    /// Draws the bookings of everyone in `population` who has records in this source.
    pub fn new(population: &Population) -> Self {
        Self::for_source(population, NAME)
    }

    /// The same, drawn for the source named `source` — who has records, and which, follow
    /// the population's draws for that name (the demo serves its declarative `waste`
    /// department this way, so the overview's expectations match what the simulator holds).
    pub fn for_source(population: &Population, source: &str) -> Self {
        let mut ledger = Ledger::default();
        for c in population.citizens() {
            if !population.has_records(c, source) {
                continue;
            }
            let bookings = bookings_for(c, &mut population.rng_for(c, source));
            for (i, b) in bookings.iter().enumerate() {
                ledger.by_no.insert(b.no.clone(), (c.rrn.clone(), i));
            }
            ledger.by_rrn.insert(c.rrn.clone(), bookings);
        }
        ledger
    }

    /// The bookings of the applicant with this canonical RRN, newest first.
    pub fn bookings(&self, rrn: &str) -> Option<&[Booking]> {
        self.by_rrn.get(rrn).map(Vec::as_slice)
    }

    /// One booking by number.
    pub fn booking(&self, no: &str) -> Option<&Booking> {
        let (rrn, i) = self.by_no.get(no)?;
        self.by_rrn.get(rrn)?.get(*i)
    }
}

fn bookings_for(c: &SynthCitizen, rng: &mut SynthRng) -> Vec<Booking> {
    let count = if c.index < FULL_COVERAGE {
        3
    } else {
        rng.range(1, 4)
    };
    let today = sim_today();
    // Newest first: booking 0 is the most recent, later ones go back up to two years.
    let mut back_days = rng.range(0, 6);
    (0..count)
        .map(|j| {
            let applied = today - chrono::Days::new(back_days as u64);
            let collection = applied + chrono::Days::new(rng.range(2, 7) as u64);
            let status = if rng.chance(8) {
                "취소"
            } else if collection <= today {
                "수거완료"
            } else if back_days < 2 {
                "접수"
            } else {
                "수거예정"
            };
            back_days += rng.range(20, 240);
            Booking {
                no: format!(
                    "LW-{}-{:04}{:02}",
                    chrono::Datelike::year(&applied),
                    c.index,
                    j
                ),
                name: c.name.clone(),
                phone: c.phone.clone(),
                address: c.address.clone(),
                items: (0..rng.range(1, 3))
                    .map(|_| {
                        (
                            rng.below(ITEMS.len() as u64) as usize,
                            rng.range(1, 2) as u32,
                        )
                    })
                    .collect(),
                applied,
                collection,
                status,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ledger_is_deterministic_with_unique_numbers() {
        let p = Population::default_demo();
        let (a, b) = (Ledger::new(&p), Ledger::new(&p));
        let mut seen = HashSet::new();
        for c in p.citizens() {
            let list = a.bookings(&c.rrn);
            assert_eq!(list, b.bookings(&c.rrn));
            assert_eq!(list.is_some(), p.has_records(c, NAME));
            for bk in list.unwrap_or_default() {
                assert!(seen.insert(bk.no.clone()), "booking numbers are unique");
                assert_eq!(a.booking(&bk.no), Some(bk));
                assert!(bk.applied < bk.collection && bk.total_fee() > 0);
            }
        }
    }

    #[test]
    fn every_status_word_occurs() {
        let p = Population::default_demo();
        let ledger = Ledger::new(&p);
        let words: HashSet<&str> = p
            .citizens()
            .iter()
            .filter_map(|c| ledger.bookings(&c.rrn))
            .flat_map(|l| l.iter().map(|b| b.status))
            .collect();
        for w in ["접수", "수거예정", "수거완료", "취소"] {
            assert!(words.contains(w), "{w}");
        }
    }
}
