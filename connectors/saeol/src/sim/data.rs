//! The simulated complaint register: 1–4 complaints per citizen who has Saeol records, drawn
//! deterministically from the citizen's own random stream, so the same population always
//! yields the same complaint numbers, titles and statuses.

use crate::mapping::format_kst;
use crate::schema::el;
use crate::soap::XmlWriter;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use minwon_connector_sdk::sim::synth::SynthRng;
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use std::collections::HashMap;

/// One kind of complaint the call center receives: category, handling department and its
/// office phone, title patterns (`{동}` = district, `{로}` = road), complaint text, result.
struct Kind {
    category: &'static str,
    department: &'static str,
    phone: &'static str,
    titles: &'static [&'static str],
    content: &'static str,
    result: &'static str,
}

static KINDS: [Kind; 10] = [
    Kind {
        category: "불법주정차 신고",
        department: "교통행정과",
        phone: "031-980-2671",
        titles: &[
            "{동} {로} 불법주정차 신고",
            "{동} 어린이보호구역 불법주정차 단속 요청",
            "{동} 소화전 앞 불법주정차 신고",
        ],
        content: "차량이 상습적으로 불법 주차되어 통행에 불편이 있으니 단속을 요청합니다.",
        result: "현장 확인 후 과태료 부과 및 계도 조치하였습니다.",
    },
    Kind {
        category: "도로 파손",
        department: "도로과",
        phone: "031-980-2742",
        titles: &[
            "{동} {로} 도로 파손(포트홀) 신고",
            "{동} 보도블록 파손 보수 요청",
            "{동} {로} 맨홀 뚜껑 단차 신고",
        ],
        content: "도로가 파손되어 차량과 보행자의 안전이 우려되니 보수를 요청합니다.",
        result: "긴급 보수 공사를 완료하였습니다.",
    },
    Kind {
        category: "가로등 고장",
        department: "도로과",
        phone: "031-980-2747",
        titles: &[
            "{동} {로} 가로등 고장 신고",
            "{동} 골목길 보안등 점멸 수리 요청",
        ],
        content: "야간에 가로등이 켜지지 않아 보행이 위험하니 수리를 요청합니다.",
        result: "등기구를 교체하고 정상 점등을 확인하였습니다.",
    },
    Kind {
        category: "소음 민원",
        department: "환경과",
        phone: "031-980-2312",
        titles: &[
            "{동} 공사장 소음 민원",
            "{동} 야간 확성기 소음 신고",
            "{동} 공사장 새벽 작업 소음 신고",
        ],
        content: "이른 시간부터 소음이 심해 생활에 불편이 크니 점검을 요청합니다.",
        result: "소음도 측정 후 시공사에 작업시간 준수를 행정지도하였습니다.",
    },
    Kind {
        category: "쓰레기 무단투기",
        department: "자원순환과",
        phone: "031-980-2362",
        titles: &[
            "{동} {로} 쓰레기 무단투기 신고",
            "{동} 대형폐기물 방치 수거 요청",
            "{동} 재활용품 수거 누락 신고",
        ],
        content: "쓰레기가 무단으로 버려져 악취가 나니 수거와 단속을 요청합니다.",
        result: "방치 폐기물을 수거하고 무단투기 감시 안내판을 설치하였습니다.",
    },
    Kind {
        category: "여권 발급 문의",
        department: "민원여권과",
        phone: "031-980-2161",
        titles: &[
            "여권 발급 문의",
            "여권 재발급 처리 기간 문의",
            "긴급 여권 발급 가능 여부 문의",
        ],
        content: "여권 발급에 필요한 서류와 처리 기간을 알려 주시기 바랍니다.",
        result: "구비서류와 처리기간(접수 후 약 5~7일)을 안내하였습니다.",
    },
    Kind {
        category: "불법 현수막",
        department: "도시경관과",
        phone: "031-980-2582",
        titles: &[
            "{동} 불법 현수막 철거 요청",
            "{동} {로} 교차로 불법 광고물 신고",
        ],
        content: "교차로 주변에 불법 현수막이 많아 시야를 가리니 철거를 요청합니다.",
        result: "불법 현수막을 철거하고 게시자에게 과태료를 부과하였습니다.",
    },
    Kind {
        category: "버스 노선",
        department: "대중교통과",
        phone: "031-980-2691",
        titles: &[
            "{동} 마을버스 배차 간격 개선 요청",
            "{동} 버스정류장 승강장 파손 신고",
            "{동} 출근 시간대 버스 증차 요청",
        ],
        content: "출퇴근 시간대 배차 간격이 길어 불편하니 개선을 요청합니다.",
        result: "운수업체와 협의하여 출근 시간대 1회 증회 운행하기로 하였습니다.",
    },
    Kind {
        category: "공원 시설",
        department: "공원녹지과",
        phone: "031-980-2532",
        titles: &[
            "{동} 어린이공원 놀이기구 파손 신고",
            "{동} 근린공원 가로수 가지치기 요청",
        ],
        content: "공원 시설이 파손되어 아이들이 다칠 우려가 있으니 정비를 요청합니다.",
        result: "파손 시설물을 사용 중지하고 교체를 완료하였습니다.",
    },
    Kind {
        category: "지방세 문의",
        department: "세정과",
        phone: "031-980-2132",
        titles: &[
            "자동차세 이중 부과 확인 요청",
            "재산세 고지서 미수령 문의",
            "자동차세 연납 신청 문의",
        ],
        content: "고지된 세액이 맞는지 확인을 요청합니다.",
        result: "부과 내역을 확인하여 안내하였습니다.",
    },
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
const CHANNELS: [&str; 5] = ["전화", "인터넷", "방문", "국민신문고", "문자"];

/// The simulator's fixed "today" (KST), so records never drift with the wall clock.
pub fn sim_today() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("a valid fixed date")
}

/// One simulated complaint, with the complainant's personal fields as Saeol holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct Complaint {
    /// `YYYY-NNNNNNN`.
    pub number: String,
    /// Title.
    pub title: String,
    /// Category.
    pub category: &'static str,
    /// Status word.
    pub status: &'static str,
    /// Receipt time (KST).
    pub received: NaiveDateTime,
    /// Last processing time (KST).
    pub processed: Option<NaiveDateTime>,
    /// Processing deadline.
    pub deadline: NaiveDate,
    /// Handling department.
    pub department: &'static str,
    /// Department phone.
    pub phone: &'static str,
    /// Receipt channel.
    pub channel: &'static str,
    /// Complaint text.
    pub content: &'static str,
    /// Result text, once handled.
    pub result: Option<&'static str>,
    /// Complainant's name, phone, address.
    pub applicant: (String, String, String),
}

impl std::fmt::Debug for Complaint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Complaint")
            .field("number", &self.number)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Draws a status word from the complaint's age: fresh ones are still open.
fn draw_status(rng: &mut SynthRng, age_days: i64) -> &'static str {
    let roll = rng.below(100);
    match age_days {
        0..=2 => {
            if roll < 60 {
                "접수"
            } else {
                "처리중"
            }
        }
        3..=13 => match roll {
            0..=49 => "처리중",
            50..=84 => "처리완료",
            85..=94 => "반려",
            _ => "취하",
        },
        _ => match roll {
            0..=74 => "처리완료",
            75..=89 => "반려",
            _ => "취하",
        },
    }
}

/// The complaints of one citizen (1–4, newest first). Complaint numbers are unique across
/// the population: the sequence part is built from the citizen's index.
pub fn complaints_for(population: &Population, citizen: &SynthCitizen) -> Vec<Complaint> {
    let mut rng = population.rng_for(citizen, "saeol");
    let count = 1 + rng.below(4) as usize;
    let today = sim_today();
    let mut out: Vec<Complaint> = (0..count)
        .map(|k| {
            let kind = rng.pick(&KINDS);
            let road: &str = ROADS[rng.below(ROADS.len() as u64) as usize];
            let title = rng
                .pick(kind.titles)
                .replace("{동}", &citizen.district)
                .replace("{로}", road);
            let age = rng.range(0, 330);
            let received = today - Duration::days(age)
                + Duration::hours(rng.range(0, 8))
                + Duration::minutes(rng.range(0, 59))
                + Duration::seconds(rng.range(0, 59));
            let status = draw_status(&mut rng, age);
            let processed = match status {
                "접수" => None,
                "처리중" => Some(received + Duration::hours(rng.range(2, 30))),
                _ => Some(received + Duration::days(rng.range(1, age.clamp(1, 14)))),
            };
            let seq = (citizen.index * 4 + k) as u64 * 37 + rng.below(37) + 100_000;
            Complaint {
                number: format!("{}-{seq:07}", received.format("%Y")),
                title,
                category: kind.category,
                status,
                received,
                processed,
                deadline: received.date() + Duration::days(7),
                department: kind.department,
                phone: kind.phone,
                channel: CHANNELS[rng.below(CHANNELS.len() as u64) as usize],
                content: kind.content,
                result: matches!(status, "처리완료" | "반려").then_some(kind.result),
                applicant: (
                    citizen.name.clone(),
                    citizen.phone.clone(),
                    citizen.address.clone(),
                ),
            }
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.received));
    out
}

/// Every citizen's complaints, indexed by RRN digits and by complaint number.
#[derive(Default)]
pub struct ComplaintStore {
    by_number: HashMap<String, Complaint>,
    by_rrn_digits: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for ComplaintStore {
    // Counts only: the index is keyed by RRN.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComplaintStore")
            .field("complaints", &self.by_number.len())
            .field("citizens", &self.by_rrn_digits.len())
            .finish()
    }
}

impl ComplaintStore {
    /// Generates the register for `population`.
    pub fn generate(population: &Population) -> Self {
        let mut store = ComplaintStore::default();
        for c in population.citizens() {
            if !population.has_records(c, "saeol") {
                continue;
            }
            let list = complaints_for(population, c);
            let numbers = list.iter().map(|x| x.number.clone()).collect();
            store.by_rrn_digits.insert(c.rrn.replace('-', ""), numbers);
            for x in list {
                store.by_number.insert(x.number.clone(), x);
            }
        }
        store
    }

    /// The complaints filed with this RRN (13 digits), newest first.
    pub fn for_rrn_digits(&self, digits: &str) -> Vec<&Complaint> {
        self.by_rrn_digits
            .get(digits)
            .into_iter()
            .flatten()
            .filter_map(|n| self.by_number.get(n))
            .collect()
    }

    /// One complaint by number.
    pub fn by_number(&self, number: &str) -> Option<&Complaint> {
        self.by_number.get(number)
    }

    /// How many complaints the register holds.
    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    /// Whether the register is empty.
    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }
}

/// Writes one `mnwnInfo` record; `detail` adds the complaint and result texts.
pub fn write_complaint(w: &mut XmlWriter, c: &Complaint, detail: bool) {
    w.start(el::MNWN_INFO)
        .leaf(el::MNWN_NO, &c.number)
        .leaf(el::MNWN_TTL, &c.title)
        .leaf(el::MNWN_CLSF_NM, c.category)
        .leaf(el::PRCS_STTS_NM, c.status)
        .leaf(el::RCPT_DT, &format_kst(c.received))
        .leaf(
            el::PRCS_DT,
            &c.processed.map(format_kst).unwrap_or_default(),
        )
        .leaf(el::PRCS_DDLN_DT, &c.deadline.format("%Y%m%d").to_string())
        .leaf(el::PRCS_DEPT_NM, c.department)
        .leaf(el::CHRG_TELNO, c.phone)
        .leaf(el::RCPT_PATH_NM, c.channel)
        .leaf(el::APLCNT_NM, &c.applicant.0)
        .leaf(el::APLCNT_TELNO, &c.applicant.1)
        .leaf(el::APLCNT_ADDR, &c.applicant.2);
    if detail {
        w.leaf(el::MNWN_CN, c.content)
            .leaf(el::PRCS_RSLT_CN, c.result.unwrap_or(""));
    }
    w.end(el::MNWN_INFO);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_is_deterministic_unique_and_complete() {
        let p = Population::default_demo();
        let a = ComplaintStore::generate(&p);
        let b = ComplaintStore::generate(&p);
        assert!(a.len() > 100, "about 60% of 200 citizens with 1-4 each");
        let with_records: Vec<_> = p
            .citizens()
            .iter()
            .filter(|c| p.has_records(c, "saeol"))
            .collect();
        let listed: usize = with_records
            .iter()
            .map(|c| a.for_rrn_digits(&c.rrn.replace('-', "")).len())
            .sum();
        assert_eq!(listed, a.len(), "complaint numbers never collide");
        for c in with_records {
            let mine = a.for_rrn_digits(&c.rrn.replace('-', ""));
            assert!((1..=4).contains(&mine.len()));
            let theirs = b.for_rrn_digits(&c.rrn.replace('-', ""));
            assert_eq!(mine, theirs);
            for x in mine {
                assert!(x.number.len() == 12 && x.number.as_bytes()[4] == b'-');
                assert_eq!(a.by_number(&x.number), Some(x));
            }
        }
    }
}
