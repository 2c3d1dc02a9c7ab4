//! The simulator's register: deterministic parking tickets and towings for the synthetic
//! population.
//!
//! Tickets are drawn from `population.rng_for(citizen, "parking")` for every citizen with
//! parking records, per plate: 7 to 11 for every plate of the full-coverage citizens (so the
//! simulator's page size of 3 spans at least three pages), 1 to 6 for others. Places are Gimpo
//! roads; the simulated world is as of [`sim_today`], and a ticket's status follows its age
//! (사전통지 → 부과 → 납부완료/체납 …). The first full-coverage plates start with a towing:
//! still at the lot (견인보관중) for even citizen numbers, released (반환완료) for odd ones.

use crate::protocol::field;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Gimpo's administrative code, the prefix of every ticket number.
const GIMPO_CODE: &str = "41570";
/// (district, road) pairs where enforcement cameras and officers write tickets.
const SPOTS: [(&str, &str); 14] = [
    ("사우동", "사우중로"),
    ("사우동", "김포대로"),
    ("풍무동", "풍무로"),
    ("풍무동", "유현로"),
    ("장기동", "장기로"),
    ("구래동", "김포한강8로"),
    ("구래동", "구래로"),
    ("운양동", "운양로"),
    ("마산동", "김포한강4로"),
    ("김포본동", "북변로"),
    ("장기본동", "태장로"),
    ("고촌읍", "신곡로"),
    ("통진읍", "김포대로"),
    ("양촌읍", "양촌로"),
];
/// Violation kinds with their fine for a passenger car, in won.
const VIOLATIONS: [(&str, i64); 7] = [
    ("일반 주정차 위반", 40_000),
    ("소화전 5m 이내 주정차", 80_000),
    ("교차로 모퉁이 5m 이내 주정차", 40_000),
    ("버스정류소 10m 이내 주정차", 40_000),
    ("횡단보도 주정차", 40_000),
    ("어린이보호구역 주정차", 120_000),
    ("보도 주차", 40_000),
];
/// Gimpo's towing lots: name, address, phone.
const LOTS: [(&str, &str, &str); 3] = [
    (
        "풍무동 견인보관소",
        "김포시 풍무동 풍무로 146",
        "031-980-5671",
    ),
    (
        "구래동 견인보관소",
        "김포시 구래동 김포한강8로 201",
        "031-980-5672",
    ),
    (
        "통진읍 견인보관소",
        "김포시 통진읍 마송리 312-4",
        "031-980-5673",
    ),
];
/// Towing fee for a passenger car, and storage per started day.
const TOW_FEE: i64 = 40_000;
const STORAGE_PER_DAY: i64 = 10_000;

/// The simulated "today", 00:00 KST, that decides each ticket's stage.
pub fn sim_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or(NaiveDate::MIN)
}

/// One parking ticket or towing.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Ticket number `41570-PK-YYYY-IIIIIIPSS` (citizen index, plate index, sequence).
    pub no: String,
    /// `violation` or `towing`.
    pub category: &'static str,
    /// Plate.
    pub plate: String,
    /// Owner's name.
    pub owner: String,
    /// Violation kind.
    pub violation: &'static str,
    /// District of the place.
    pub district: &'static str,
    /// Road location.
    pub place: String,
    /// When (KST).
    pub at: NaiveDateTime,
    /// Amount in won.
    pub amount: i64,
    /// Due date (violations only).
    pub due: Option<NaiveDate>,
    /// Status word.
    pub status: &'static str,
    /// Last status change (KST).
    pub changed: NaiveDateTime,
    /// Department and its phone.
    pub dept: (&'static str, String),
    /// The lot, for towings.
    pub lot: Option<(&'static str, &'static str, &'static str)>,
}

fn kst(t: NaiveDateTime) -> String {
    format!("{}+09:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

impl Ticket {
    /// The ticket as the protocol's JSON item.
    pub fn to_json(&self) -> Value {
        let towing = self.lot.map(|(name, address, phone)| {
            json!({ field::LOT_NAME: name, field::LOT_ADDRESS: address,
                    field::LOT_PHONE: phone, field::TOWED_AT: kst(self.at) })
        });
        json!({
            field::TICKET_NO: self.no,
            field::CATEGORY: self.category,
            field::VEHICLE_NO: self.plate,
            field::OWNER_NAME: self.owner,
            field::VIOLATION_TYPE: self.violation,
            field::PLACE: self.place,
            field::DISTRICT: self.district,
            field::VIOLATED_AT: kst(self.at),
            field::AMOUNT: self.amount,
            field::DUE_DATE: self.due.map(|d| d.format("%Y-%m-%d").to_string()),
            field::STATUS: self.status,
            field::STATUS_CHANGED_AT: kst(self.changed),
            field::DEPARTMENT: self.dept.0,
            field::CONTACT: self.dept.1,
            field::TOWING: towing,
        })
    }
}

/// Every ticket of the population, by plate (newest first) and by number.
#[derive(Debug, Default)]
pub struct Register {
    by_plate: HashMap<String, Vec<Ticket>>,
    by_no: HashMap<String, (String, usize)>,
}

impl Register {
    /// Draws the tickets of everyone in `population` who has parking records.
    pub fn new(population: &Population) -> Self {
        let mut reg = Register::default();
        for c in population.citizens() {
            if !population.has_records(c, crate::NAME) {
                continue;
            }
            let mut rng = population.rng_for(c, crate::NAME);
            for (pi, plate) in c.vehicle_numbers.iter().enumerate() {
                let tickets = tickets_for(c, pi, plate, &mut rng);
                for (i, t) in tickets.iter().enumerate() {
                    reg.by_no.insert(t.no.clone(), (plate.clone(), i));
                }
                reg.by_plate.insert(plate.clone(), tickets);
            }
        }
        reg
    }

    /// The tickets of a plate, newest first (empty when none).
    pub fn tickets(&self, plate: &str) -> &[Ticket] {
        self.by_plate.get(plate).map_or(&[], Vec::as_slice)
    }

    /// One ticket by number.
    pub fn ticket(&self, no: &str) -> Option<&Ticket> {
        let (plate, i) = self.by_no.get(no)?;
        self.by_plate.get(plate)?.get(*i)
    }
}

fn tickets_for(c: &SynthCitizen, pi: usize, plate: &str, rng: &mut SynthRng) -> Vec<Ticket> {
    let full = c.index < FULL_COVERAGE;
    let n = if full {
        rng.range(7, 11)
    } else {
        rng.range(1, 6)
    };
    let today = sim_today().and_time(NaiveTime::MIN);
    let mut out: Vec<Ticket> = (0..n as usize)
        .map(|seq| {
            let forced_tow = full && pi == 0 && seq == 0;
            let age_days = if forced_tow {
                if c.index.is_multiple_of(2) { 1 } else { 40 }
            } else {
                rng.range(1, 540)
            };
            let at =
                today - Duration::days(age_days) + Duration::minutes(rng.range(7 * 60, 22 * 60));
            let (district, road) = *rng.pick(&SPOTS);
            let place = format!("김포시 {district} {road} {} 앞", rng.range(1, 420));
            let no = format!(
                "{GIMPO_CODE}-PK-{}-{:06}{pi}{seq:02}",
                at.format("%Y"),
                c.index
            );
            let base = Ticket {
                no,
                category: "violation",
                plate: plate.to_string(),
                owner: c.name.clone(),
                violation: "",
                district,
                place,
                at,
                amount: 0,
                due: None,
                status: "",
                changed: at,
                dept: ("주차관리과", format!("031-980-{}", rng.range(5421, 5429))),
                lot: None,
            };
            if forced_tow || rng.chance(12) {
                towing(base, age_days, rng)
            } else {
                violation(base, age_days, rng)
            }
        })
        .collect();
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.no.cmp(&b.no)));
    out
}

fn towing(mut t: Ticket, age_days: i64, rng: &mut SynthRng) -> Ticket {
    let lot = *rng.pick(&LOTS);
    let kept_days = if age_days <= 3 {
        age_days
    } else {
        rng.range(0, 3)
    };
    t.category = "towing";
    t.violation = "견인지역 주정차";
    t.amount = TOW_FEE + STORAGE_PER_DAY * kept_days;
    t.status = if age_days <= 3 {
        "견인보관중"
    } else {
        "반환완료"
    };
    t.changed = t.at + Duration::days(kept_days) + Duration::hours(2);
    t.dept.1 = lot.2.to_string();
    t.lot = Some(lot);
    t
}

fn violation(mut t: Ticket, age_days: i64, rng: &mut SynthRng) -> Ticket {
    let (kind, amount) = *rng.pick(&VIOLATIONS);
    t.violation = kind;
    t.amount = amount;
    let roll = rng.below(100);
    let (status, due_after, changed_after) = match age_days {
        0..=25 if roll < 80 => ("사전통지", 25, 2),
        0..=25 => ("의견진술", 25, age_days.min(10)),
        26..=90 => match roll {
            0..60 => ("부과", 85, 30),
            60..90 => ("납부완료", 85, age_days.min(50)),
            _ => ("이의신청", 85, age_days.min(60)),
        },
        _ => match roll {
            0..70 => ("납부완료", 85, rng.range(10, 80)),
            70..88 => ("체납", 85, 86),
            88..92 => ("이의신청", 85, 70),
            92..97 => ("부과취소", 85, 40),
            _ => ("공시송달", 85, 60),
        },
    };
    t.status = status;
    t.due = Some(t.at.date() + Duration::days(due_after));
    t.changed = t.at + Duration::days(changed_after.min(age_days));
    if status == "체납" {
        t.dept = ("징수과", format!("031-980-{}", rng.range(2161, 2169)));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn register_is_deterministic_and_numbers_unique() {
        let p = Population::default_demo();
        let (a, b) = (Register::new(&p), Register::new(&p));
        let mut seen = HashSet::new();
        for c in p.citizens() {
            for v in &c.vehicle_numbers {
                assert_eq!(a.tickets(v), b.tickets(v));
                for t in a.tickets(v) {
                    assert!(seen.insert(t.no.clone()), "ticket numbers are unique");
                    assert_eq!(a.ticket(&t.no), Some(t));
                    assert!(t.at < sim_today().and_time(NaiveTime::MIN));
                }
            }
        }
    }

    #[test]
    fn full_coverage_plates_span_three_pages_and_start_with_a_towing() {
        let p = Population::default_demo();
        let reg = Register::new(&p);
        for c in &p.citizens()[..FULL_COVERAGE] {
            for v in &c.vehicle_numbers {
                assert!(reg.tickets(v).len() >= 7, "7+ tickets = 3+ pages of 3");
            }
            let first = reg.tickets(&c.vehicle_numbers[0]);
            let tow = first.iter().find(|t| t.category == "towing").unwrap();
            let want = if c.index.is_multiple_of(2) {
                "견인보관중"
            } else {
                "반환완료"
            };
            assert!(first.iter().any(|t| t.status == want), "{want}");
            assert!(tow.lot.is_some() && tow.amount >= TOW_FEE);
        }
    }

    #[test]
    fn every_status_word_occurs() {
        let p = Population::default_demo();
        let reg = Register::new(&p);
        let words: HashSet<&str> = p
            .citizens()
            .iter()
            .flat_map(|c| c.vehicle_numbers.iter())
            .flat_map(|v| reg.tickets(v).iter().map(|t| t.status))
            .collect();
        for w in [
            "사전통지",
            "부과",
            "납부완료",
            "의견진술",
            "체납",
            "견인보관중",
            "반환완료",
        ] {
            assert!(words.contains(w), "{w}");
        }
    }
}
