//! The simulator's fine book: deterministic traffic fines for the synthetic population.
//!
//! Fines are drawn from `population.rng_for(citizen, "traffic")` for every citizen with
//! traffic records, per vehicle: 12 to 18 on the first vehicle of the full-coverage citizens
//! (so the default page size of 10 spans two pages) and 1 to 5 on their others; 1 to 6 on
//! other citizens' first vehicle and 0 to 3 on the rest (a plate may have none). Cameras stand
//! at real-sounding Gimpo road locations. The simulated world is as of [`sim_today`].

use crate::protocol::field;
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use std::collections::HashMap;

/// The simulated "today" that decides which fines are past due.
pub fn sim_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or(NaiveDate::MIN)
}

/// Camera sites: (eup/myeon/dong, road location, speed limit, school zone).
const SITES: [(&str, &str, u32, bool); 10] = [
    ("운양동", "김포한강로 운양IC 부근", 80, false),
    ("사우동", "김포대로 사우사거리", 60, false),
    ("풍무동", "풍무로 풍무초등학교 앞", 30, true),
    ("장기동", "태장로 장기동 이마트 앞 교차로", 50, false),
    ("구래동", "김포한강11로 구래역사거리", 50, false),
    ("고촌읍", "김포대로 신곡사거리", 60, false),
    ("양촌읍", "국도48호선 양곡교차로", 80, false),
    ("통진읍", "김포대로 마송IC 부근", 80, false),
    ("마산동", "김포한강4로 마산초등학교 앞", 30, true),
    ("대곶면", "대명항로 대곶초등학교 앞", 30, true),
];

/// One traffic fine.
#[derive(Debug, Clone, PartialEq)]
pub struct Fine {
    /// Fine number `41570-YYYY-TFIIIIVSS` (citizen, vehicle, sequence): unique and stable.
    pub no: String,
    /// 과태료 or 범칙금.
    pub fine_kind: &'static str,
    /// Violation word.
    pub violation: &'static str,
    /// Enforcement device.
    pub camera: &'static str,
    /// (limit, measured) for speeding.
    pub speeds: Option<(u32, u32)>,
    /// Road location.
    pub place: String,
    /// When, KST.
    pub at: NaiveDateTime,
    /// Plate.
    pub plate: String,
    /// Owner's name.
    pub owner: String,
    /// Owner's address (on 과태료 notices).
    pub owner_addr: Option<String>,
    /// Amount due.
    pub amount: i64,
    /// Amount before a 20% reduction, when reduced.
    pub original: Option<i64>,
    /// Penalty points (범칙금).
    pub points: Option<u32>,
    /// Notice date.
    pub noticed: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Payment date.
    pub paid: Option<NaiveDate>,
    /// Status word.
    pub status: &'static str,
    /// Department phone.
    pub tel: String,
}

impl Fine {
    /// The fine as `<item>` children, in the protocol's element names.
    pub fn to_item(&self) -> Vec<(&'static str, String)> {
        let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
        let mut v = vec![
            (field::FINE_NO, self.no.clone()),
            (field::FINE_SE_NM, self.fine_kind.to_string()),
            (field::VIO_TYPE_NM, self.violation.to_string()),
            (field::CRDN_EQPMNT_NM, self.camera.to_string()),
        ];
        if let Some((limit, speed)) = self.speeds {
            v.push((field::LMT_SPD, limit.to_string()));
            v.push((field::DRV_SPD, speed.to_string()));
        }
        v.push((field::VIO_PLC_NM, self.place.clone()));
        v.push((field::VIO_DT, self.at.format("%Y%m%d%H%M%S").to_string()));
        v.push((field::VHCL_NO, self.plate.clone()));
        v.push((field::OWNR_NM, self.owner.clone()));
        if let Some(a) = &self.owner_addr {
            v.push((field::OWNR_ADDR, a.clone()));
        }
        v.push((field::FINE_AMT, self.amount.to_string()));
        if let Some(o) = self.original {
            v.push((field::ORGNL_AMT, o.to_string()));
        }
        if let Some(p) = self.points {
            v.push((field::PNLTY_PNT, p.to_string()));
        }
        v.push((field::NTC_DE, ymd(self.noticed)));
        v.push((field::DUE_DE, ymd(self.due)));
        v.push((field::PAY_DE, self.paid.map(ymd).unwrap_or_default()));
        v.push((field::STTUS_NM, self.status.to_string()));
        v.push((field::DEPT_NM, "교통행정과".to_string()));
        v.push((field::DEPT_TELNO, self.tel.clone()));
        v
    }
}

/// Every fine of the population, by plate and by fine number.
#[derive(Debug, Default)]
pub struct FineBook {
    by_plate: HashMap<String, Vec<Fine>>,
    by_no: HashMap<String, (String, usize)>,
}

impl FineBook {
    /// Draws the fines of everyone in `population` who has traffic records.
    pub fn new(population: &Population) -> Self {
        let mut book = FineBook::default();
        for c in population.citizens() {
            if !population.has_records(c, crate::NAME) {
                continue;
            }
            let mut rng = population.rng_for(c, crate::NAME);
            for (v, plate) in c.vehicle_numbers.iter().enumerate() {
                let fines = fines_for(c, v, plate, &mut rng);
                for (i, f) in fines.iter().enumerate() {
                    book.by_no.insert(f.no.clone(), (plate.clone(), i));
                }
                book.by_plate.insert(plate.clone(), fines);
            }
        }
        book
    }

    /// The fines of a plate, newest violation first (empty when none).
    pub fn fines(&self, plate: &str) -> &[Fine] {
        self.by_plate.get(plate).map_or(&[], Vec::as_slice)
    }

    /// One fine by number.
    pub fn fine(&self, no: &str) -> Option<&Fine> {
        let (plate, i) = self.by_no.get(no)?;
        self.by_plate.get(plate)?.get(*i)
    }
}

/// (과태료, 범칙금, 벌점) for a speeding excess, in a school zone or not (승용차).
fn speeding_amounts(excess: u32, school: bool) -> (i64, i64, u32) {
    let band = match excess {
        0..=20 => 0,
        21..=40 => 1,
        41..=60 => 2,
        _ => 3,
    };
    let (owner, driver, points) = if school {
        ([70, 100, 130, 160], [60, 90, 120, 150], [15, 30, 60, 120])
    } else {
        ([40, 70, 100, 130], [30, 60, 90, 120], [0, 15, 30, 60])
    };
    (owner[band] * 1000, driver[band] * 1000, points[band])
}

fn fines_for(c: &SynthCitizen, v: usize, plate: &str, rng: &mut SynthRng) -> Vec<Fine> {
    let count = match (c.index < FULL_COVERAGE, v) {
        (true, 0) => rng.range(12, 18),
        (true, _) => rng.range(1, 5),
        (false, 0) => rng.range(1, 6),
        (false, _) => rng.range(0, 3),
    };
    let today = sim_today();
    let mut fines: Vec<Fine> = (0..count as usize)
        .map(|seq| {
            let (district, road, limit, school) = *rng.pick(&SITES);
            let day = today - Days::new(rng.range(10, 1000) as u64);
            let time = NaiveTime::from_hms_opt(
                rng.range(6, 23) as u32,
                rng.below(60) as u32,
                rng.below(60) as u32,
            )
            .unwrap_or(NaiveTime::MIN);
            let driver_known = rng.chance(15);
            let roll = rng.below(100);
            let (violation, camera, speeds, owner_amt, driver_amt, points) = if school {
                if roll < 60 {
                    let speed = limit + rng.range(3, 35) as u32;
                    let (o, d, p) = speeding_amounts(speed - limit, true);
                    (
                        "어린이보호구역 과속",
                        "어린이보호구역 과속 카메라",
                        Some((limit, speed)),
                        o,
                        d,
                        p,
                    )
                } else {
                    (
                        "어린이보호구역 신호위반",
                        "신호·과속 겸용 카메라",
                        None,
                        130_000,
                        120_000,
                        30,
                    )
                }
            } else if roll < 60 {
                let speed = limit + rng.range(5, 45) as u32;
                let (o, d, p) = speeding_amounts(speed - limit, false);
                let camera = *rng.pick(&[
                    "고정식 과속 카메라",
                    "구간단속 카메라",
                    "이동식 과속 단속기",
                ]);
                ("과속", camera, Some((limit, speed)), o, d, p)
            } else if roll < 88 {
                (
                    "신호위반",
                    "신호·과속 겸용 카메라",
                    None,
                    70_000,
                    60_000,
                    15,
                )
            } else {
                (
                    "버스전용차로 위반",
                    "버스전용차로 단속 카메라",
                    None,
                    50_000,
                    50_000,
                    0,
                )
            };
            let noticed = day + Days::new(rng.range(7, 14) as u64);
            let due = noticed + Days::new(30);
            let mut amount = if driver_known { driver_amt } else { owner_amt };
            let (status, reduced, paid) = if due >= today {
                match rng.below(100) {
                    0..35 => ("사전통지", false, None),
                    35..55 => ("부과", false, None),
                    55..70 => ("감경", true, None),
                    70..80 => ("의견진술", false, None),
                    _ => (
                        "납부",
                        false,
                        Some(noticed + Days::new(rng.range(1, 5) as u64)),
                    ),
                }
            } else {
                let paid_on = noticed + Days::new(rng.range(1, 25) as u64);
                match rng.below(100) {
                    0..70 => ("납부", false, Some(paid_on)),
                    70..78 => ("감경납부", true, Some(paid_on)),
                    78..88 if driver_known => ("즉결심판회부", false, None),
                    78..88 => ("체납", false, None),
                    88..93 => ("이의제기", false, None),
                    93..97 => ("부과취소", false, None),
                    _ => ("타기관이송", false, None),
                }
            };
            let original = (reduced && !driver_known).then_some(amount);
            if original.is_some() {
                amount = amount * 8 / 10; // 의견제출 기간 내 자진납부: 20% 감경
            }
            Fine {
                no: format!("41570-{}-TF{:04}{v}{seq:02}", day.format("%Y"), c.index),
                fine_kind: if driver_known {
                    "범칙금"
                } else {
                    "과태료"
                },
                violation,
                camera,
                speeds,
                place: format!("경기도 김포시 {district} {road}"),
                at: day.and_time(time),
                plate: plate.to_string(),
                owner: c.name.clone(),
                owner_addr: (!driver_known).then(|| c.address.clone()),
                amount,
                original,
                points: (driver_known && points > 0).then_some(points),
                noticed,
                due,
                paid: paid.filter(|d| *d <= today),
                status,
                tel: format!("031-980-{}", rng.range(2581, 2589)),
            }
        })
        .collect();
    fines.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.no.cmp(&b.no)));
    fines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_book_is_deterministic_and_fine_numbers_unique() {
        let p = Population::default_demo();
        let (a, b) = (FineBook::new(&p), FineBook::new(&p));
        let mut seen = HashSet::new();
        for c in p.citizens() {
            for plate in &c.vehicle_numbers {
                assert_eq!(a.fines(plate), b.fines(plate));
                for f in a.fines(plate) {
                    assert!(seen.insert(f.no.clone()), "fine numbers are unique");
                    assert_eq!(a.fine(&f.no), Some(f));
                    assert!(f.no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
                }
            }
        }
    }

    #[test]
    fn counts_amounts_and_full_coverage_paging() {
        let p = Population::default_demo();
        let book = FineBook::new(&p);
        for c in p.citizens() {
            let total: usize = c.vehicle_numbers.iter().map(|v| book.fines(v).len()).sum();
            if !p.has_records(c, crate::NAME) {
                assert_eq!(total, 0);
            } else if !c.vehicle_numbers.is_empty() {
                assert!(total >= 1);
            }
            if c.index < FULL_COVERAGE {
                assert!(
                    book.fines(&c.vehicle_numbers[0]).len() > 10,
                    "spans 2+ pages of 10"
                );
            }
            for f in c.vehicle_numbers.iter().flat_map(|v| book.fines(v)) {
                assert!((20_000..=160_000).contains(&f.amount), "{}", f.amount);
                assert!(f.noticed < f.due && f.at.date() < f.noticed);
                if let Some((limit, speed)) = f.speeds {
                    assert!(speed > limit);
                }
            }
        }
    }

    #[test]
    fn every_status_word_occurs() {
        let p = Population::default_demo();
        let book = FineBook::new(&p);
        let words: HashSet<&str> = p
            .citizens()
            .iter()
            .flat_map(|c| c.vehicle_numbers.iter().flat_map(|v| book.fines(v)))
            .map(|f| f.status)
            .collect();
        for w in [
            "사전통지",
            "부과",
            "감경",
            "납부",
            "체납",
            "의견진술",
            "이의제기",
        ] {
            assert!(words.contains(w), "{w}");
        }
    }
}
