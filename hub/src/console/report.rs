//! The printable monthly review (Korean, A4): what `minwon-hub audit review` writes as HTML
//! and the console shows for printing. The first page carries the month, the chain and
//! checkpoint verification and the signing key id; page numbers come from the print styles.

use super::view::{number, ts_kst};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use minwon_proto::v1::AccessReview;

/// The print style sheet, embedded in the binary.
pub const PRINT_CSS: &str = include_str!("assets/print.css");

/// How the page gets its style sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Styles {
    /// In a `<style>` element: a file that opens on its own (written by the CLI).
    Inline,
    /// Linked from the console's assets (its CSP forbids inline styles).
    Linked,
}

/// The whole report page.
pub fn render(review: &AccessReview, generated_by: &str, styles: Styles) -> Markup {
    let v = review.verification.clone().unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="ko" {
            head {
                meta charset="utf-8";
                title { "개인정보 접속기록 점검 보고서 " (review.month) }
                @match styles {
                    Styles::Inline => style { (PreEscaped(PRINT_CSS)) },
                    Styles::Linked => {
                        link rel="icon" href="/console/assets/icon.svg" type="image/svg+xml";
                        link rel="stylesheet" href="/console/assets/print.css";
                    },
                }
            }
            body.report {
                section.cover {
                    h1 { "개인정보 접속기록 점검 보고서" }
                    p.month { (review.month) " (Asia/Seoul)" }
                    table.facts {
                        tr { th { "점검 기간" } td { (ts_kst(&review.from)) " ~ " (ts_kst(&review.to)) " 전" } }
                        tr { th { "접속기록" } td { (number(review.records)) "건, 계정 " (review.accounts.len()) "개" } }
                        tr { th { "점검 항목" } td { (review.flags.len()) "건" } }
                        tr {
                            th { "위·변조 검증" }
                            td.verify.(if v.ok { "ok" } else { "bad" }) {
                                @if v.ok {
                                    "이상 없음: 기록 " (number(v.records_checked)) "건, 서명된 체크포인트 "
                                    (v.checkpoints_checked) "개 확인"
                                } @else {
                                    "검증 실패: 순번 " (v.first_bad_sequence) " — " (v.reason)
                                }
                            }
                        }
                        tr { th { "서명 키 ID" } td.mono {
                            @if review.signing_key_id.is_empty() { "체크포인트 없음" } @else { (review.signing_key_id) }
                        } }
                        tr { th { "작성" } td { (generated_by) " (접속기록 " (review.audit_id) ")" } }
                        tr {
                            th { "확인(서명)" }
                            td {
                                @if review.sign_offs.is_empty() { "미확인" }
                                @for s in &review.sign_offs {
                                    div.sign-off { (s.reviewer) " · " (ts_kst(&s.time)) " · " (s.comment) " (순번 " (s.sequence) ")" }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { "계정별 현황" }
                    (accounts_table(review))
                }
                section {
                    h2 { "점검 항목" }
                    (flags_table(review))
                }
            }
        }
    }
}

/// Per account: records, subjects, look-ups per source, denials, off-hours, exports.
pub fn accounts_table(review: &AccessReview) -> Markup {
    html! {
        table.data {
            thead { tr {
                th { "계정" } th { "역할" } th { "부서" } th.n { "기록" } th.n { "정보주체" }
                th { "연계기관별 조회" } th.n { "거부" } th.n { "업무시간 외" } th.n { "반출" }
            } }
            tbody {
                @for a in &review.accounts {
                    tr {
                        td { (a.account) } td { (a.role) } td { (a.department) }
                        td.n { (a.records) } td.n { (a.distinct_subjects) }
                        td { @for (s, n) in a.lookups_per_source.iter().collect::<std::collections::BTreeMap<_, _>>() { span.chip { (s) " " (n) } " " } }
                        td.n { (a.denials) } td.n { (a.off_hours_lookups) } td.n { (a.exports) }
                    }
                }
            }
        }
    }
}

/// The flags with the sequences of their records.
pub fn flags_table(review: &AccessReview) -> Markup {
    html! {
        @if review.flags.is_empty() {
            p { "점검 항목이 없습니다." }
        } @else {
            table.data.flags {
                thead { tr { th { "항목" } th { "계정" } th { "내용" } th { "접속기록 순번" } } }
                tbody {
                    @for f in &review.flags {
                        tr.flag data-kind=(f.kind) {
                            td { (f.label) }
                            td { (f.account) }
                            td { (f.detail) }
                            td.mono { (sequences(&f.sequences)) }
                        }
                    }
                }
            }
        }
    }
}

/// Sequence numbers, long lists shortened to runs (`3-7, 12`).
pub fn sequences(seqs: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seqs.len() {
        let mut j = i;
        while j + 1 < seqs.len() && seqs[j + 1] == seqs[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}-{}", seqs[i], seqs[j])
        } else {
            seqs[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_shortened_to_runs() {
        assert_eq!(sequences(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        assert_eq!(sequences(&[]), "");
    }
}
