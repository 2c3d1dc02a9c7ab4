//! The simulator's ledger: deterministic local tax bills for the synthetic population.
//!
//! Bills are drawn from `population.rng_for(citizen, "tax")` for every citizen with tax
//! records: three tax years of resident tax, car tax per vehicle (1기/2기), property tax for
//! owners (7월분/9월분) and local income tax for some — 3 to 24 bills each, at least 15 for
//! the full-coverage citizens, so a page size of 10 spans two pages. The simulated world is as
//! of [`sim_today`]: bills due before it are mostly paid, a few overdue or under objection.

use crate::protocol::field;
use chrono::NaiveDate;
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use std::collections::HashMap;

/// Tax years the ledger holds.
pub const TAX_YEARS: std::ops::RangeInclusive<i32> = 2024..=2026;
/// Gimpo's administrative code, the prefix of every bill number.
const GIMPO_CODE: &str = "41570";
const BANKS: [(&str, &str); 6] = [
    ("농협은행", "790"),
    ("KB국민은행", "563"),
    ("신한은행", "562"),
    ("우리은행", "269"),
    ("하나은행", "912"),
    ("IBK기업은행", "062"),
];

/// The simulated "today" that decides which bills are past due.
pub fn sim_today() -> NaiveDate {
    date(2026, 12, 15)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// One local tax bill.
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    /// Bill number `41570-YYYY-IIIIIISS` (citizen index, sequence): unique and stable.
    pub no: String,
    /// 세목: 자동차세, 재산세, 주민세, 지방소득세.
    pub tax_item: &'static str,
    /// Tax year.
    pub year: i32,
    /// Levy period: 1기, 2기, 7월분, 9월분, 8월분, 종합소득분.
    pub period: &'static str,
    /// Taxpayer name.
    pub taxpayer: String,
    /// Plate, for car tax.
    pub vehicle: Option<String>,
    /// Address of the taxed object, for property and resident tax.
    pub address: Option<String>,
    /// Amount in won.
    pub amount: i64,
    /// Levy date.
    pub levy: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Payment date, when paid.
    pub paid: Option<NaiveDate>,
    /// Status word.
    pub status: &'static str,
    /// Department in charge.
    pub dept: &'static str,
    /// Department phone.
    pub tel: String,
    /// Bank of the virtual account.
    pub bank: &'static str,
    /// Virtual account number.
    pub account: String,
}

impl Bill {
    /// The bill as `<item>` children, in the protocol's element names.
    pub fn to_item(&self) -> Vec<(&'static str, String)> {
        let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
        let mut v = vec![
            (field::TAX_BILL_NO, self.no.clone()),
            (field::TAX_ITEM_NM, self.tax_item.to_string()),
            (field::TAX_YR, self.year.to_string()),
            (field::LEVY_PRD_NM, self.period.to_string()),
            (field::TAXPAYER_NM, self.taxpayer.clone()),
        ];
        if let Some(p) = &self.vehicle {
            v.push((field::VHCL_NO, p.clone()));
        }
        if let Some(a) = &self.address {
            v.push((field::OBJ_ADDR, a.clone()));
        }
        v.push((field::TAX_AMT, self.amount.to_string()));
        v.push((field::LEVY_DE, ymd(self.levy)));
        v.push((field::DUE_DE, ymd(self.due)));
        v.push((field::PAY_DE, self.paid.map(ymd).unwrap_or_default()));
        v.push((field::STTUS_NM, self.status.to_string()));
        v.push((field::DEPT_NM, self.dept.to_string()));
        v.push((field::DEPT_TELNO, self.tel.clone()));
        v.push((field::VRTL_ACNT_BANK_NM, self.bank.to_string()));
        v.push((field::VRTL_ACNT_NO, self.account.clone()));
        v
    }
}

/// Every bill of the population, by taxpayer RRN (13 digits) and by bill number.
#[derive(Debug, Default)]
pub struct Ledger {
    by_rrn: HashMap<String, Vec<Bill>>,
    by_no: HashMap<String, (String, usize)>,
}

impl Ledger {
    /// Draws the bills of everyone in `population` who has tax records.
    pub fn new(population: &Population) -> Self {
        let mut ledger = Ledger::default();
        for c in population.citizens() {
            if !population.has_records(c, "tax") {
                continue;
            }
            let rrn = c.rrn.replace('-', "");
            let bills = bills_for(c, &mut population.rng_for(c, "tax"));
            for (i, b) in bills.iter().enumerate() {
                ledger.by_no.insert(b.no.clone(), (rrn.clone(), i));
            }
            ledger.by_rrn.insert(rrn, bills);
        }
        ledger
    }

    /// The bills of a taxpayer, newest first (empty when none).
    pub fn bills(&self, rrn_digits: &str) -> &[Bill] {
        self.by_rrn.get(rrn_digits).map_or(&[], Vec::as_slice)
    }

    /// One bill by number.
    pub fn bill(&self, no: &str) -> Option<&Bill> {
        let (rrn, i) = self.by_no.get(no)?;
        self.by_rrn.get(rrn)?.get(*i)
    }
}

/// (세목, 기분, levy month/day, due month/day, amount range) of each kind of installment.
type Kind = (
    &'static str,
    &'static str,
    (u32, u32),
    (u32, u32),
    (i64, i64),
);
const CAR_1: Kind = ("자동차세", "1기", (6, 10), (6, 30), (100_000, 400_000));
const CAR_2: Kind = ("자동차세", "2기", (12, 10), (12, 31), (100_000, 400_000));
const PROPERTY_7: Kind = ("재산세", "7월분", (7, 10), (7, 31), (50_000, 2_000_000));
const PROPERTY_9: Kind = ("재산세", "9월분", (9, 10), (9, 30), (50_000, 2_000_000));
const RESIDENT: Kind = ("주민세", "8월분", (8, 10), (8, 31), (10_000, 60_000));
const INCOME: Kind = (
    "지방소득세",
    "종합소득분",
    (5, 1),
    (5, 31),
    (20_000, 1_500_000),
);

fn bills_for(c: &SynthCitizen, rng: &mut SynthRng) -> Vec<Bill> {
    let owns_property = c.index < FULL_COVERAGE || rng.chance(55);
    let files_income = rng.chance(45);
    let mut drafts: Vec<(Kind, i32, Option<&String>)> = Vec::new();
    for year in TAX_YEARS {
        if files_income {
            drafts.push((INCOME, year, None));
        }
        for v in &c.vehicle_numbers {
            drafts.push((CAR_1, year, Some(v)));
            drafts.push((CAR_2, year, Some(v)));
        }
        if owns_property {
            drafts.push((PROPERTY_7, year, None));
            drafts.push((PROPERTY_9, year, None));
        }
        drafts.push((RESIDENT, year, None));
    }
    let today = sim_today();
    let mut bills: Vec<Bill> = drafts
        .into_iter()
        .enumerate()
        .map(|(seq, (kind, year, vehicle))| {
            let (tax_item, period, (lm, ld), (dm, dd), (lo, hi)) = kind;
            let due = date(year, dm, dd);
            let amount = rng.range(lo / 10, hi / 10) * 10; // 지방세: under 10 won dropped
            let status = if due >= today {
                if rng.chance(80) {
                    "미납"
                } else {
                    "납부완료"
                }
            } else {
                match rng.below(100) {
                    0..84 => "납부완료",
                    84..94 => "체납",
                    94..98 => "이의신청",
                    _ => "결손처분",
                }
            };
            let paid = (status == "납부완료")
                .then(|| due - chrono::Days::new(rng.below(25)))
                .filter(|d| *d <= today);
            let (dept, tel) = if status == "체납" {
                ("징수과", format!("031-980-{}", rng.range(2161, 2169)))
            } else {
                ("세정과", format!("031-980-{}", rng.range(2141, 2149)))
            };
            let (bank, prefix) = *rng.pick(&BANKS);
            Bill {
                no: format!("{GIMPO_CODE}-{year}-{:06}{seq:02}", c.index),
                tax_item,
                year,
                period,
                taxpayer: c.name.clone(),
                vehicle: vehicle.cloned(),
                address: (tax_item == "재산세" || tax_item == "주민세").then(|| c.address.clone()),
                amount,
                levy: date(year, lm, ld),
                due,
                paid,
                status,
                dept,
                tel,
                bank,
                account: format!("{prefix}{:011}", rng.below(100_000_000_000)),
            }
        })
        .collect();
    bills.sort_by(|a, b| b.levy.cmp(&a.levy).then_with(|| a.no.cmp(&b.no)));
    bills
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ledger_is_deterministic_and_bill_numbers_unique() {
        let p = Population::default_demo();
        let (a, b) = (Ledger::new(&p), Ledger::new(&p));
        let mut seen = HashSet::new();
        for c in p.citizens() {
            let rrn = c.rrn.replace('-', "");
            assert_eq!(a.bills(&rrn), b.bills(&rrn));
            for bill in a.bills(&rrn) {
                assert!(seen.insert(bill.no.clone()), "bill numbers are unique");
                assert_eq!(a.bill(&bill.no), Some(bill));
            }
        }
    }

    #[test]
    fn counts_amounts_and_full_coverage_paging() {
        let p = Population::default_demo();
        let ledger = Ledger::new(&p);
        for c in p.citizens() {
            let n = ledger.bills(&c.rrn.replace('-', "")).len();
            if p.has_records(c, "tax") {
                assert!((3..=25).contains(&n), "{n} bills");
            } else {
                assert_eq!(n, 0);
            }
            if c.index < FULL_COVERAGE {
                assert!(n >= 12, "full coverage citizens span 2+ pages of 10");
            }
            for b in ledger.bills(&c.rrn.replace('-', "")) {
                let range = match b.tax_item {
                    "자동차세" => 100_000..=400_000,
                    "재산세" => 50_000..=2_000_000,
                    "주민세" => 10_000..=60_000,
                    _ => 20_000..=1_500_000,
                };
                assert!(range.contains(&b.amount) && b.amount % 10 == 0);
                assert_eq!(b.vehicle.is_some(), b.tax_item == "자동차세");
                assert!(b.levy <= b.due);
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
            .flat_map(|c| {
                ledger
                    .bills(&c.rrn.replace('-', ""))
                    .iter()
                    .map(|b| b.status)
            })
            .collect();
        for w in ["미납", "납부완료", "체납", "이의신청"] {
            assert!(words.contains(w), "{w}");
        }
    }
}
