//! The simulator's data: every water customer of the synthetic population with monthly bills,
//! deterministic from `population.rng_for(citizen, "water")`.
//!
//! Tariffs follow the shape of a Gimpo bill: water = basic charge + rate × m³, sewage = rate ×
//! m³, water use charge (물이용부담금, Han river basin) = 170 won × m³, each cut to 10 won.

use crate::NAME;
use crate::protocol::field;
use chrono::{Datelike, NaiveDate};
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The simulated "today" (the same as the other simulators').
pub fn sim_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).expect("a valid date")
}
/// The latest billing month, November 2026 (billed in December): (year, month).
pub const LATEST_MONTH: (i32, u32) = (2026, 11);
/// Most months of history a customer has (the full-coverage citizens have all of them).
pub const MAX_HISTORY: i64 = 24;
/// The office every bill names.
pub const OFFICE: &str = "수도과";

/// One customer account (수용가) and its bills, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Customer number, digits.
    pub customer_no: String,
    /// Account holder's name.
    pub name: String,
    /// Service address.
    pub address: String,
    /// 가정용 or 일반용.
    pub usage_type: &'static str,
    /// Bills, newest billing month first.
    pub bills: Vec<Bill>,
}

/// One monthly bill.
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    /// Bill number `W-YYYYMM-IIIIII`.
    pub no: String,
    /// Billing year.
    pub year: i32,
    /// Billing month 1..=12.
    pub month: u32,
    /// Usage in m³.
    pub usage_m3: i64,
    /// Water charge.
    pub water: i64,
    /// Sewage charge.
    pub sewage: i64,
    /// Water use charge.
    pub charge: i64,
    /// Total billed.
    pub total: i64,
    /// Issue date.
    pub issued: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Payment date, when paid.
    pub paid: Option<NaiveDate>,
    /// Status word.
    pub status: &'static str,
    /// Collected by auto-debit.
    pub auto_debit: bool,
    /// Office phone.
    pub tel: String,
}

impl Account {
    /// The `customer` object of an answer.
    pub fn customer_json(&self) -> Value {
        json!({
            field::CUSTOMER_NO: self.customer_no,
            field::CUSTOMER_NAME: self.name,
            field::SERVICE_ADDRESS: self.address,
            field::USAGE_TYPE: self.usage_type,
        })
    }
}

impl Bill {
    /// The bill as a JSON object, in the protocol's field names.
    pub fn to_json(&self) -> Value {
        let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put(field::BILL_NO, self.no.clone().into());
        put(
            field::BILLING_MONTH,
            format!("{}-{:02}", self.year, self.month).into(),
        );
        put(field::USAGE_M3, self.usage_m3.into());
        put(field::WATER_AMOUNT, self.water.into());
        put(field::SEWAGE_AMOUNT, self.sewage.into());
        put(field::WATER_USE_CHARGE, self.charge.into());
        put(field::TOTAL_AMOUNT, self.total.into());
        put(field::ISSUE_DATE, ymd(self.issued).into());
        put(field::DUE_DATE, ymd(self.due).into());
        put(field::PAID_DATE, self.paid.map(ymd).into());
        put(field::STATUS, self.status.into());
        put(field::AUTO_DEBIT, self.auto_debit.into());
        put(field::OFFICE_NAME, OFFICE.into());
        put(field::OFFICE_TEL, self.tel.clone().into());
        Value::Object(m)
    }
}

/// Every account of the population, by customer number, and every bill by number.
#[derive(Debug, Default)]
pub struct Ledger {
    accounts: HashMap<String, Account>,
    by_no: HashMap<String, (String, usize)>,
}

impl Ledger {
    /// Draws the accounts of everyone in `population` who has water records.
    pub fn new(population: &Population) -> Self {
        let mut ledger = Ledger::default();
        for c in population.citizens() {
            if !population.has_records(c, NAME) {
                continue;
            }
            let account = account_for(c, &mut population.rng_for(c, NAME));
            for (i, b) in account.bills.iter().enumerate() {
                ledger
                    .by_no
                    .insert(b.no.clone(), (account.customer_no.clone(), i));
            }
            ledger.accounts.insert(account.customer_no.clone(), account);
        }
        ledger
    }

    /// The account with this customer number (digits).
    pub fn account(&self, customer_no: &str) -> Option<&Account> {
        self.accounts.get(customer_no)
    }

    /// One bill by number, with its account.
    pub fn bill(&self, no: &str) -> Option<(&Account, &Bill)> {
        let (customer, i) = self.by_no.get(no)?;
        let account = self.accounts.get(customer)?;
        Some((account, account.bills.get(*i)?))
    }
}

fn first_of(month_index: i64) -> NaiveDate {
    let (y, m) = (month_index.div_euclid(12), month_index.rem_euclid(12) + 1);
    NaiveDate::from_ymd_opt(y as i32, m as u32, 1).expect("a valid month")
}

fn cut10(won: i64) -> i64 {
    won / 10 * 10
}

fn account_for(c: &SynthCitizen, rng: &mut SynthRng) -> Account {
    let history = if c.index < FULL_COVERAGE {
        MAX_HISTORY
    } else {
        rng.range(3, MAX_HISTORY)
    };
    let auto_debit = if c.index < FULL_COVERAGE {
        c.index.is_multiple_of(2)
    } else {
        rng.chance(45)
    };
    let household = rng.chance(85);
    // (usage range, water basic charge, water rate, sewage rate) per m³, in won.
    let ((lo, hi), basic, water_rate, sewage_rate) = if household {
        ((8, 30), 1_080, 690, 560)
    } else {
        ((20, 80), 2_400, 1_130, 1_010)
    };
    let base_usage = rng.range(lo, hi);
    let latest = LATEST_MONTH.0 as i64 * 12 + LATEST_MONTH.1 as i64 - 1;
    let today = sim_today();
    let bills = (0..history)
        .map(|back| {
            let idx = latest - back;
            let start = first_of(idx);
            let summer = matches!(start.month(), 7 | 8);
            let usage = (base_usage * if summer { 12 } else { 10 } / 10 + rng.range(-3, 3)).max(0);
            let water = cut10(basic + usage * water_rate);
            let sewage = cut10(usage * sewage_rate);
            let charge = cut10(usage * 170);
            let issued = first_of(idx + 1) + chrono::Days::new(4);
            let due = first_of(idx + 2) - chrono::Days::new(1);
            let status = status_for(rng, due >= today, auto_debit);
            let paid = match status {
                "납부완료" if auto_debit => Some(due.min(today)),
                "납부완료" => Some((issued + chrono::Days::new(rng.below(20))).min(today)),
                _ => None,
            };
            Bill {
                no: format!("W-{}{:02}-{:06}", start.year(), start.month(), c.index),
                year: start.year(),
                month: start.month(),
                usage_m3: usage,
                water,
                sewage,
                charge,
                total: water + sewage + charge,
                issued,
                due,
                paid,
                status,
                auto_debit,
                tel: if status == "체납" {
                    "031-980-5431".to_string()
                } else {
                    format!("031-980-{}", rng.range(5421, 5428))
                },
            }
        })
        .collect();
    Account {
        customer_no: c.water_customer_no.clone(),
        name: c.name.clone(),
        address: c.address.clone(),
        usage_type: if household { "가정용" } else { "일반용" },
        bills,
    }
}

fn status_for(rng: &mut SynthRng, not_yet_due: bool, auto_debit: bool) -> &'static str {
    match (not_yet_due, auto_debit) {
        (true, true) => "자동이체예정",
        (true, false) if rng.chance(30) => "납부완료",
        (true, false) => "미납",
        // A failed debit (insufficient balance) leaves the odd auto-debit bill overdue.
        (false, true) if rng.chance(3) => "체납",
        (false, true) => "납부완료",
        (false, false) => match rng.below(100) {
            0..85 => "납부완료",
            85..93 => "체납",
            93..96 => "분할납부",
            96..98 => "감면심사중",
            _ => "부과취소",
        },
    }
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
            let acc = a.account(&c.water_customer_no);
            assert_eq!(acc, b.account(&c.water_customer_no));
            assert_eq!(acc.is_some(), p.has_records(c, NAME));
            for bill in acc.map_or(&[][..], |a| &a.bills) {
                assert!(seen.insert(bill.no.clone()), "bill numbers are unique");
                assert_eq!(a.bill(&bill.no).map(|(_, b)| b), Some(bill));
            }
        }
    }

    #[test]
    fn amounts_add_up_and_dates_follow_the_month() {
        let p = Population::default_demo();
        let ledger = Ledger::new(&p);
        for c in p.citizens() {
            let Some(acc) = ledger.account(&c.water_customer_no) else {
                continue;
            };
            assert!((3..=MAX_HISTORY as usize).contains(&acc.bills.len()));
            if c.index < FULL_COVERAGE {
                assert_eq!(acc.bills.len(), MAX_HISTORY as usize);
            }
            assert_eq!((acc.bills[0].year, acc.bills[0].month), LATEST_MONTH);
            for b in &acc.bills {
                assert_eq!(b.total, b.water + b.sewage + b.charge);
                assert!(b.total % 10 == 0 && b.water > 0 && b.usage_m3 >= 0);
                assert!(b.issued < b.due && b.paid.is_none_or(|d| d <= sim_today()));
                assert_eq!(b.paid.is_some(), b.status == "납부완료");
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
            .filter_map(|c| ledger.account(&c.water_customer_no))
            .flat_map(|a| a.bills.iter().map(|b| b.status))
            .collect();
        for w in [
            "납부완료",
            "미납",
            "체납",
            "자동이체예정",
            "분할납부",
            "감면심사중",
            "부과취소",
        ] {
            assert!(words.contains(w), "{w}");
        }
    }
}
