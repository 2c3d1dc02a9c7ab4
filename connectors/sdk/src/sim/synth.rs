//! The synthetic population every simulator draws from. Deterministic from a seed (its own
//! small PRNG, so the data never changes with a dependency upgrade): the same seed gives the
//! same citizens in every simulator, the demo files and the tests.
//!
//! All data is fake: Korean names from common syllables, Gimpo addresses across its 14
//! eup/myeon/dong, RRNs valid in format (real birth dates, correct century digit) but random.

use serde::Serialize;

/// The seed the demo and the tests use (the call center's number, 031-980-2114).
pub const DEFAULT_SEED: u64 = 2114;
/// Citizens in the default population.
pub const DEFAULT_SIZE: usize = 200;
/// The first this-many citizens have records in every source, so a demo always has
/// "everything" citizens to show.
pub const FULL_COVERAGE: usize = 5;

/// Gimpo's 14 eup/myeon/dong.
pub const GIMPO_DISTRICTS: [&str; 14] = [
    "통진읍",
    "고촌읍",
    "양촌읍",
    "대곶면",
    "월곶면",
    "하성면",
    "김포본동",
    "장기본동",
    "사우동",
    "풍무동",
    "장기동",
    "구래동",
    "마산동",
    "운양동",
];

const SURNAMES: [&str; 20] = [
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황",
    "안", "송", "류", "홍",
];
const GIVEN: [&str; 40] = [
    "민", "서", "지", "현", "우", "준", "도", "윤", "하", "은", "수", "영", "재", "성", "진", "혜",
    "경", "미", "정", "호", "태", "희", "연", "주", "승", "예", "원", "동", "상", "나", "유", "채",
    "건", "소", "아", "석", "철", "길", "순", "용",
];
const ROADS: [&str; 8] = [
    "김포대로",
    "사우중로",
    "풍무로",
    "태장로",
    "김포한강로",
    "양촌로",
    "봉화로",
    "감정로",
];
const RI: [&str; 6] = ["마송리", "신곡리", "누산리", "대벽리", "고정리", "석탄리"];
const PLATE_LETTERS: [&str; 16] = [
    "가", "나", "다", "라", "마", "거", "너", "더", "러", "머", "버", "서", "어", "저", "고", "노",
];

/// A deterministic 64-bit PRNG (SplitMix64): tiny, fast and stable forever.
#[derive(Debug, Clone)]
pub struct SynthRng(u64);

impl SynthRng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SynthRng(seed)
    }

    /// A generator for one (seed, stream) pair, e.g. a citizen's records in one source.
    pub fn for_stream(seed: u64, stream: &str, index: usize) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a of the stream name
        for b in stream.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        SynthRng(seed ^ h.rotate_left(17) ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `pct`/100.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// One synthetic citizen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SynthCitizen {
    /// Position in the population.
    pub index: usize,
    /// Korean name, e.g. 김민서.
    pub name: String,
    /// RRN `YYMMDD-GNNNNNN`, valid in format.
    pub rrn: String,
    /// Mobile number `010-NNNN-NNNN`.
    pub phone: String,
    /// Gimpo address.
    pub address: String,
    /// The eup/myeon/dong of the address.
    pub district: String,
    /// Vehicle plate numbers (possibly none).
    pub vehicle_numbers: Vec<String>,
    /// Water customer number (12 digits).
    pub water_customer_no: String,
}

/// The seeded population.
#[derive(Debug, Clone)]
pub struct Population {
    seed: u64,
    citizens: Vec<SynthCitizen>,
}

impl Population {
    /// The default population (seed [`DEFAULT_SEED`], [`DEFAULT_SIZE`] citizens).
    pub fn default_demo() -> Self {
        Self::generate(DEFAULT_SEED, DEFAULT_SIZE)
    }

    /// Generates `size` citizens from `seed`; RRNs, plates and customer numbers are unique.
    pub fn generate(seed: u64, size: usize) -> Self {
        let mut rng = SynthRng::new(seed);
        let mut citizens: Vec<SynthCitizen> = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while citizens.len() < size {
            let index = citizens.len();
            let c = citizen(&mut rng, index);
            let keys = [c.rrn.clone(), c.water_customer_no.clone()];
            if keys
                .iter()
                .chain(&c.vehicle_numbers)
                .all(|k| !seen.contains(k))
            {
                seen.extend(keys);
                seen.extend(c.vehicle_numbers.iter().cloned());
                citizens.push(c);
            }
        }
        Population { seed, citizens }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every citizen.
    pub fn citizens(&self) -> &[SynthCitizen] {
        &self.citizens
    }

    /// Whether `citizen` has records in `source`: always for the first [`FULL_COVERAGE`]
    /// citizens, otherwise by a deterministic draw (about 60%). Sources keyed by vehicle need
    /// the citizen to own one.
    pub fn has_records(&self, citizen: &SynthCitizen, source: &str) -> bool {
        citizen.index < FULL_COVERAGE
            || SynthRng::for_stream(self.seed, source, citizen.index).chance(60)
    }

    /// A generator for `citizen`'s records in `source`.
    pub fn rng_for(&self, citizen: &SynthCitizen, source: &str) -> SynthRng {
        SynthRng::for_stream(self.seed ^ 0x5EED, source, citizen.index)
    }

    /// The citizen with this canonical RRN.
    pub fn by_rrn(&self, rrn: &str) -> Option<&SynthCitizen> {
        self.citizens.iter().find(|c| c.rrn == rrn)
    }

    /// The citizen owning this plate.
    pub fn by_vehicle(&self, plate: &str) -> Option<&SynthCitizen> {
        self.citizens
            .iter()
            .find(|c| c.vehicle_numbers.iter().any(|v| v == plate))
    }

    /// The citizen with this water customer number.
    pub fn by_water_customer_no(&self, no: &str) -> Option<&SynthCitizen> {
        self.citizens.iter().find(|c| c.water_customer_no == no)
    }
}

fn citizen(rng: &mut SynthRng, index: usize) -> SynthCitizen {
    let name = format!(
        "{}{}{}",
        rng.pick(&SURNAMES),
        rng.pick(&GIVEN),
        rng.pick(&GIVEN)
    );
    let year = rng.range(1940, 2006) as i32;
    let month = rng.range(1, 12) as u32;
    let day = rng.range(1, days_in_month(year, month) as i64) as u32;
    let male = rng.chance(50);
    let g = match (year >= 2000, male) {
        (false, true) => 1,
        (false, false) => 2,
        (true, true) => 3,
        (true, false) => 4,
    };
    let rrn = format!(
        "{:02}{:02}{:02}-{}{:06}",
        year % 100,
        month,
        day,
        g,
        rng.below(1_000_000)
    );
    let phone = format!("010-{:04}-{:04}", rng.range(2000, 9999), rng.below(10_000));
    let district = rng.pick(&GIMPO_DISTRICTS).to_string();
    let address = if district.ends_with('동') {
        format!(
            "경기도 김포시 {district} {} {}",
            rng.pick(&ROADS),
            rng.range(1, 999)
        )
    } else {
        format!(
            "경기도 김포시 {district} {} {}-{}",
            rng.pick(&RI),
            rng.range(1, 899),
            rng.range(1, 9)
        )
    };
    // Everyone in the full-coverage group drives, so vehicle-keyed sources have data for them.
    let cars = if index < FULL_COVERAGE {
        1 + rng.below(2)
    } else {
        rng.below(3)
    };
    let vehicle_numbers = (0..cars)
        .map(|_| {
            let digits = if rng.chance(30) {
                rng.range(100, 699)
            } else {
                rng.range(10, 99)
            };
            format!(
                "{digits}{}{:04}",
                rng.pick(&PLATE_LETTERS),
                rng.range(1000, 9999)
            )
        })
        .collect();
    let water_customer_no = format!("{:04}{:08}", rng.range(2005, 2025), rng.below(100_000_000));
    SynthCitizen {
        index,
        name,
        rrn,
        phone,
        address,
        district,
        vehicle_numbers,
        water_customer_no,
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Rrn, VehicleNumber, WaterCustomerNo};

    #[test]
    fn same_seed_same_people() {
        assert_eq!(
            Population::generate(7, 50).citizens(),
            Population::generate(7, 50).citizens()
        );
        assert_ne!(
            Population::generate(7, 5).citizens(),
            Population::generate(8, 5).citizens()
        );
    }

    #[test]
    fn every_key_is_valid_in_format() {
        for c in Population::default_demo().citizens() {
            Rrn::parse(&c.rrn).unwrap();
            WaterCustomerNo::parse(&c.water_customer_no).unwrap();
            for v in &c.vehicle_numbers {
                VehicleNumber::parse(v).unwrap();
            }
            assert!(GIMPO_DISTRICTS.contains(&c.district.as_str()));
        }
    }

    #[test]
    fn full_coverage_citizens_have_everything() {
        let p = Population::default_demo();
        for c in &p.citizens()[..FULL_COVERAGE] {
            assert!(!c.vehicle_numbers.is_empty());
            for s in ["saeol", "tax", "traffic", "welfare", "water", "parking"] {
                assert!(p.has_records(c, s));
            }
        }
        let without = p
            .citizens()
            .iter()
            .filter(|c| !p.has_records(c, "tax"))
            .count();
        assert!(
            without > 20,
            "some citizens must have no records, for not-found paths"
        );
    }
}
