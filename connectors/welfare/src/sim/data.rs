//! The simulator's register: deterministic welfare applications for the synthetic population.
//!
//! Applications are drawn from `population.rng_for(citizen, "welfare")` for every citizen with
//! welfare records: 1 to 3 programmes each (2 to 3 for the full-coverage citizens) among those
//! the citizen is eligible for by age — 기초연금 from 65, 아동수당 for parents-aged 25–50,
//! 장애인연금, 생계급여 and 주거급여 for adults. The simulated world is as of [`sim_today`]:
//! recent applications are still 접수/조사중/심사중/보완요청; older ones mostly 지급중, some
//! refused, ended, stopped, withdrawn, under objection, and a few 환수결정 (a word outside the
//! connector's table, to exercise `Unknown`).

use crate::NAME;
use crate::protocol::field;
use chrono::{Datelike, Days, NaiveDate};
use minwon_connector_sdk::Rrn;
use minwon_connector_sdk::sim::synth::{FULL_COVERAGE, SynthRng};
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The simulated "today" (the same as the other simulators').
pub fn sim_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or(NaiveDate::MIN)
}

/// One welfare programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Programme {
    /// `benefitCode`.
    pub code: &'static str,
    /// `benefitName`.
    pub name: &'static str,
    /// Department in charge.
    pub dept: &'static str,
    /// Last four digits of the department's 031-980-XXXX numbers.
    pub tel: (i64, i64),
    /// Monthly amount range and step, in won.
    pub amount: (i64, i64, i64),
    /// Day of the month payments are made.
    pub pay_day: u32,
    /// Legal processing period (처리기한), in days.
    pub deadline_days: u64,
}

/// Every programme the register knows.
pub const PROGRAMMES: [Programme; 5] = [
    Programme {
        code: "BASIC_PENSION",
        name: "기초연금",
        dept: "노인복지과",
        tel: (2281, 2289),
        amount: (100_000, 349_700, 10),
        pay_day: 25,
        deadline_days: 30,
    },
    Programme {
        code: "CHILD_ALLOWANCE",
        name: "아동수당",
        dept: "아동보육과",
        tel: (2311, 2319),
        amount: (100_000, 300_000, 100_000),
        pay_day: 25,
        deadline_days: 30,
    },
    Programme {
        code: "LIVELIHOOD",
        name: "기초생활보장 생계급여",
        dept: "복지정책과",
        tel: (2251, 2259),
        amount: (200_000, 765_000, 10),
        pay_day: 20,
        deadline_days: 60,
    },
    Programme {
        code: "HOUSING",
        name: "주거급여",
        dept: "복지정책과",
        tel: (2251, 2259),
        amount: (100_000, 369_000, 10),
        pay_day: 20,
        deadline_days: 60,
    },
    Programme {
        code: "DISABILITY_PENSION",
        name: "장애인연금",
        dept: "장애인복지과",
        tel: (2291, 2299),
        amount: (200_000, 434_810, 10),
        pay_day: 20,
        deadline_days: 30,
    },
];

const BANKS: [(&str, &str); 5] = [
    ("농협은행", "302"),
    ("KB국민은행", "611"),
    ("신한은행", "110"),
    ("우리은행", "1002"),
    ("IBK기업은행", "010"),
];
const REFUSALS: [&str; 4] = [
    "소득인정액 선정기준 초과",
    "재산 기준 초과",
    "연령 요건 미충족",
    "서류 미제출",
];
const STOPS: [&str; 2] = ["소득·재산 변동 확인", "해외 체류 60일 초과"];

/// One application.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// `WF-YYYY-IIIIIISS` (application year, citizen index, sequence): unique and stable.
    pub no: String,
    /// The programme.
    pub programme: Programme,
    /// Status word.
    pub status: &'static str,
    /// Application date.
    pub applied: NaiveDate,
    /// Processing deadline, while undecided.
    pub due: Option<NaiveDate>,
    /// Decision date.
    pub decided: Option<NaiveDate>,
    /// Monthly amount, once granted.
    pub monthly: Option<i64>,
    /// Next payment, while paid.
    pub next_payment: Option<NaiveDate>,
    /// Payment bank and account, once granted.
    pub account: Option<(&'static str, String)>,
    /// Refusal or stop reason.
    pub reason: Option<&'static str>,
    /// Department phone.
    pub tel: String,
    /// Last change, RFC 3339 in KST.
    pub updated: String,
}

impl Application {
    /// The application as the API's `benefit` object.
    pub fn to_json(&self) -> Value {
        let ymd = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        json!({
            field::APPLICATION_NO: self.no,
            field::BENEFIT_CODE: self.programme.code,
            field::BENEFIT_NAME: self.programme.name,
            field::STATUS: self.status,
            field::APPLICATION_DATE: ymd(Some(self.applied)),
            field::DUE_DATE: ymd(self.due),
            field::DECISION_DATE: ymd(self.decided),
            field::MONTHLY_AMOUNT: self.monthly,
            field::NEXT_PAYMENT_DATE: ymd(self.next_payment),
            field::BANK_NAME: self.account.as_ref().map(|a| a.0),
            field::ACCOUNT_NO: self.account.as_ref().map(|a| a.1.clone()),
            field::REASON: self.reason,
            field::DEPT_NAME: self.programme.dept,
            field::DEPT_TEL: self.tel,
            field::UPDATED_AT: self.updated,
        })
    }
}

/// A citizen as the API's `applicant` object.
pub fn applicant_json(c: &SynthCitizen) -> Value {
    json!({ field::NAME: c.name, field::PHONE: c.phone, field::ADDRESS: c.address })
}

/// Every application of the population, by applicant RRN and by application number.
#[derive(Debug, Default)]
pub struct Register {
    by_rrn: HashMap<String, (SynthCitizen, Vec<Application>)>,
    by_no: HashMap<String, (String, usize)>,
}

impl Register {
    /// Draws the applications of everyone in `population` who has welfare records.
    pub fn new(population: &Population) -> Self {
        let mut reg = Register::default();
        for c in population.citizens() {
            if !population.has_records(c, NAME) {
                continue;
            }
            let apps = applications_for(c, &mut population.rng_for(c, NAME));
            for (i, a) in apps.iter().enumerate() {
                reg.by_no.insert(a.no.clone(), (c.rrn.clone(), i));
            }
            reg.by_rrn.insert(c.rrn.clone(), (c.clone(), apps));
        }
        reg
    }

    /// The applicant and applications of an RRN (`YYMMDD-GNNNNNN`), if it has any.
    pub fn by_rrn(&self, rrn: &str) -> Option<(&SynthCitizen, &[Application])> {
        self.by_rrn.get(rrn).map(|(c, a)| (c, a.as_slice()))
    }

    /// One application and its applicant.
    pub fn by_no(&self, no: &str) -> Option<(&SynthCitizen, &Application)> {
        let (rrn, i) = self.by_no.get(no)?;
        let (c, apps) = self.by_rrn.get(rrn)?;
        Some((c, apps.get(*i)?))
    }
}

fn age(c: &SynthCitizen) -> i32 {
    let birth = Rrn::parse(&c.rrn).map_or(sim_today(), |r| r.birth_date());
    let today = sim_today();
    let had_birthday = (today.month(), today.day()) >= (birth.month(), birth.day());
    today.year() - birth.year() - i32::from(!had_birthday)
}

/// The next `day` of a month strictly after `today`.
fn next_pay_day(today: NaiveDate, day: u32) -> NaiveDate {
    let this = today.with_day(day).unwrap_or(today);
    if this > today {
        this
    } else {
        let next = today
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(today);
        next.with_day(day).unwrap_or(next)
    }
}

fn applications_for(c: &SynthCitizen, rng: &mut SynthRng) -> Vec<Application> {
    let age = age(c);
    let mut eligible: Vec<Programme> = PROGRAMMES
        .iter()
        .copied()
        .filter(|p| match p.code {
            "BASIC_PENSION" => age >= 65,
            "CHILD_ALLOWANCE" => (25..=50).contains(&age),
            _ => age >= 19,
        })
        .collect();
    let want = if c.index < FULL_COVERAGE {
        2 + rng.below(2)
    } else {
        1 + rng.below(3)
    };
    let mut chosen = Vec::new();
    while chosen.len() < want as usize && !eligible.is_empty() {
        chosen.push(eligible.remove(rng.below(eligible.len() as u64) as usize));
    }
    let today = sim_today();
    let mut apps: Vec<Application> = chosen
        .into_iter()
        .enumerate()
        .map(|(seq, p)| draw(c, p, seq, today, rng))
        .collect();
    apps.sort_by(|a, b| b.applied.cmp(&a.applied).then_with(|| a.no.cmp(&b.no)));
    apps
}

fn draw(
    c: &SynthCitizen,
    p: Programme,
    seq: usize,
    today: NaiveDate,
    rng: &mut SynthRng,
) -> Application {
    let applied = today - Days::new(rng.below(900));
    let pending = (today - applied).num_days() < 35;
    let decided = (!pending).then(|| (applied + Days::new(14 + rng.below(32))).min(today));
    let status = if pending {
        if (today - applied).num_days() < 7 {
            "접수"
        } else {
            *rng.pick(&["조사중", "심사중", "보완요청"])
        }
    } else {
        match rng.below(100) {
            0..55 => "지급중",
            55..63 if decided.is_some_and(|d| (today - d).num_days() < 30) => "지급결정",
            55..63 => "지급중",
            63..68 => "부적합",
            68..73 => "기각",
            73..80 => "지급종료",
            80..85 => "중지",
            85..89 => "취하",
            89..94 => "이의신청",
            94..97 => "지급중",
            _ => "환수결정",
        }
    };
    let granted = matches!(
        status,
        "지급중" | "지급결정" | "지급종료" | "중지" | "환수결정"
    );
    let (lo, hi, step) = p.amount;
    let monthly = granted.then(|| rng.range(lo / step, hi / step) * step);
    let account = granted.then(|| {
        let (bank, prefix) = *rng.pick(&BANKS);
        (
            bank,
            format!(
                "{prefix}-{:04}-{:04}-{:02}",
                rng.below(10_000),
                rng.below(10_000),
                rng.below(100)
            ),
        )
    });
    let reason = match status {
        "부적합" | "기각" | "이의신청" => Some(*rng.pick(&REFUSALS)),
        "중지" => Some(*rng.pick(&STOPS)),
        "지급종료" => Some("수급 기간 만료"),
        _ => None,
    };
    let last = decided.unwrap_or(applied);
    Application {
        no: format!("WF-{}-{:06}{seq:02}", applied.year(), c.index),
        programme: p,
        status,
        applied,
        due: pending.then(|| applied + Days::new(p.deadline_days)),
        decided: decided.filter(|_| status != "취하"),
        monthly,
        next_payment: matches!(status, "지급중" | "지급결정")
            .then(|| next_pay_day(today, p.pay_day)),
        account,
        reason,
        tel: format!("031-980-{}", rng.range(p.tel.0, p.tel.1)),
        updated: format!(
            "{}T{:02}:{:02}:00+09:00",
            last.format("%Y-%m-%d"),
            rng.range(9, 17),
            rng.below(60)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn register_is_deterministic_with_unique_numbers() {
        let p = Population::default_demo();
        let (a, b) = (Register::new(&p), Register::new(&p));
        let mut seen = HashSet::new();
        for c in p.citizens() {
            let apps = a.by_rrn(&c.rrn).map(|x| x.1.to_vec());
            assert_eq!(apps, b.by_rrn(&c.rrn).map(|x| x.1.to_vec()));
            assert_eq!(apps.is_some(), p.has_records(c, NAME));
            for app in apps.unwrap_or_default() {
                assert!(
                    seen.insert(app.no.clone()),
                    "application numbers are unique"
                );
                assert_eq!(a.by_no(&app.no).map(|x| x.1), Some(&app));
            }
        }
    }

    #[test]
    fn applications_are_plausible() {
        let p = Population::default_demo();
        let reg = Register::new(&p);
        let mut words = HashSet::new();
        for c in p.citizens() {
            let Some((_, apps)) = reg.by_rrn(&c.rrn) else {
                continue;
            };
            assert!((1..=3).contains(&apps.len()));
            if c.index < FULL_COVERAGE {
                assert!(apps.len() >= 2);
            }
            for a in apps {
                words.insert(a.status);
                assert!(a.applied <= sim_today());
                assert_eq!(
                    a.next_payment.is_some(),
                    matches!(a.status, "지급중" | "지급결정")
                );
                assert_eq!(a.monthly.is_some(), a.account.is_some());
                if a.programme.code == "BASIC_PENSION" {
                    assert!(age(c) >= 65);
                }
                if let Some(n) = a.next_payment {
                    assert!(n > sim_today() && n.day() == a.programme.pay_day);
                }
                assert!(a.tel.starts_with("031-980-"));
            }
        }
        for w in ["접수", "지급중", "부적합", "기각", "중지"] {
            assert!(words.contains(w), "{w} occurs");
        }
    }

    #[test]
    fn pay_days_roll_to_next_month() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(next_pay_day(d(12, 15), 20), d(12, 20));
        assert_eq!(next_pay_day(d(11, 25), 25), d(12, 25));
        assert_eq!(
            next_pay_day(d(12, 26), 25),
            NaiveDate::from_ymd_opt(2027, 1, 25).unwrap()
        );
    }
}
