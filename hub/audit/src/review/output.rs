//! The review as files for people with a spreadsheet (CSV, UTF-8 with BOM, the trail's CSV
//! dialect and formula guard) and for programs (JSON). The printable HTML is the hub's.

use super::AccessReview;
use crate::csv::{BOM, write_row};

/// The review as CSV: a summary table per account, an empty line, then the flags with the
/// sequence numbers of their records (space-separated), then the sign-offs. Headers Korean.
pub fn to_csv(review: &AccessReview) -> Vec<u8> {
    let mut out = BOM.as_bytes().to_vec();
    write_row(
        &mut out,
        [
            "월",
            "계정",
            "역할",
            "부서",
            "접속기록",
            "정보주체 수",
            "연계기관별 조회",
            "거부",
            "업무시간 외 조회",
            "반출",
        ],
    );
    for a in &review.accounts {
        let per_source = a
            .lookups_per_source
            .iter()
            .map(|(s, n)| format!("{s}:{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let nums = [
            a.records.to_string(),
            a.distinct_subjects.to_string(),
            per_source,
            a.denials.to_string(),
            a.off_hours_lookups.to_string(),
            a.exports.to_string(),
        ];
        let mut row = vec![review.month.as_str(), &a.account, &a.role, &a.department];
        row.extend(nums.iter().map(String::as_str));
        write_row(&mut out, row);
    }
    out.extend_from_slice(b"\r\n");
    write_row(
        &mut out,
        ["점검 항목", "코드", "계정", "내용", "접속기록 순번"],
    );
    for f in &review.flags {
        let seqs = f
            .sequences
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        write_row(
            &mut out,
            [
                f.kind.label_ko(),
                f.kind.as_str(),
                &f.account,
                &f.detail,
                &seqs,
            ],
        );
    }
    out.extend_from_slice(b"\r\n");
    write_row(&mut out, ["확인자", "확인 시각", "의견", "접속기록 순번"]);
    for s in &review.sign_offs {
        let time = crate::kst::to_kst(s.time)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        write_row(
            &mut out,
            [
                s.reviewer.as_str(),
                &time,
                &s.comment,
                &s.sequence.to_string(),
            ],
        );
    }
    out
}

/// The review as pretty JSON.
pub fn to_json(review: &AccessReview) -> String {
    serde_json::to_string_pretty(review).expect("a review always serializes")
}
