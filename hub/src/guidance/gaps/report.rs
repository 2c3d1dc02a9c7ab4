//! The knowledge-gap report as files for the content team: HTML (Korean, printable, no
//! outside assets) and CSV (UTF-8 with BOM, formula-guarded like the audit export), written
//! by `minwon-hub knowledge gaps`.

use super::store::{Gap, GapRange};
use chrono::TimeZone;
use std::fmt::Write as _;

/// CSV column names.
pub const CSV_HEADER: [&str; 8] = [
    "rank",
    "normalized_query",
    "count",
    "no_hit_count",
    "channels",
    "first_seen_kst",
    "last_seen_kst",
    "answered_entry_id",
];

/// A time as KST wall clock, `YYYY-MM-DD HH:MM`.
pub fn kst(ms: i64) -> String {
    let tz = minwon_connector_sdk::dates::kst();
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn channels(g: &Gap) -> String {
    g.channels
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The CSV file: BOM, header, one line per gap (CRLF).
pub fn csv(gaps: &[Gap]) -> String {
    let mut out = String::from(minwon_audit::csv::BOM);
    out.push_str(&minwon_audit::csv::line(
        CSV_HEADER.iter().map(|h| h.to_string()).collect(),
    ));
    for (i, g) in gaps.iter().enumerate() {
        out.push_str(&minwon_audit::csv::line(vec![
            (i + 1).to_string(),
            g.query.clone(),
            g.count.to_string(),
            g.no_hit.to_string(),
            channels(g),
            kst(g.first_ms),
            kst(g.last_ms),
            g.answered_entry_id.clone().unwrap_or_default(),
        ]));
    }
    out
}

/// HTML text with `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn range_text(range: GapRange) -> String {
    let from = (range.from_ms != i64::MIN).then(|| kst(range.from_ms));
    let to = (range.to_ms != i64::MAX).then(|| kst(range.to_ms));
    format!(
        "{} ~ {}",
        from.unwrap_or_else(|| "처음".into()),
        to.unwrap_or_else(|| "현재".into())
    )
}

/// The HTML page: a self-contained, printable table, most frequent first.
pub fn html(gaps: &[Gap], total: usize, range: GapRange, generated_ms: i64) -> String {
    let mut rows = String::new();
    for (i, g) in gaps.iter().enumerate() {
        let answered = match &g.answered_entry_id {
            Some(e) => format!("<br><small>답변 등록 후 다시 발생: {}</small>", escape(e)),
            None => String::new(),
        };
        let _ = writeln!(
            rows,
            "<tr><td class=n>{}</td><td>{}{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&g.query),
            answered,
            g.count,
            g.no_hit,
            escape(&channels(g)),
            kst(g.first_ms),
            kst(g.last_ms),
        );
    }
    if gaps.is_empty() {
        rows.push_str("<tr><td colspan=7>이 기간에 답하지 못한 검색이 없습니다.</td></tr>\n");
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<title>상담 지식 공백 보고서</title>
<style>
body {{ font-family: "Malgun Gothic", "Apple SD Gothic Neo", "Noto Sans KR", sans-serif; margin: 2em; color: #111; }}
h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }}
p.meta {{ color: #444; margin-top: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92em; }}
th, td {{ border: 1px solid #999; padding: 0.3em 0.5em; vertical-align: top; }}
th {{ background: #eee; }}
td.n {{ text-align: right; white-space: nowrap; }}
tr {{ page-break-inside: avoid; }}
@media print {{ body {{ margin: 0; }} th {{ background: none; }} thead {{ display: table-header-group; }} }}
</style>
</head>
<body>
<h1>상담 지식 공백 보고서</h1>
<p class="meta">기간: {range} (한국 시간) · 답하지 못한 질문 {total}건 중 {shown}건 · 작성: {generated}</p>
<p class="meta">검색 결과가 없거나 약했던 상담 검색을 정규화한 질문별로 센 것입니다. 개인정보로 보이는 값(주민번호, 전화번호, 차량번호, 카드·계좌번호, 이메일)은 저장 전에 [전화번호]처럼 바꾸었고, 6자리 이상 숫자가 남은 질문은 저장하지 않았습니다.</p>
<table>
<thead><tr><th>순위</th><th>질문(정규화)</th><th>건수</th><th>결과 없음</th><th>채널</th><th>처음</th><th>마지막</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body>
</html>
"#,
        range = escape(&range_text(range)),
        total = total,
        shown = gaps.len(),
        generated = kst(generated_ms),
        rows = rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(q: &str) -> Gap {
        Gap {
            query: q.into(),
            count: 3,
            no_hit: 1,
            first_ms: 1_796_083_200_000,
            last_ms: 1_796_083_260_000,
            channels: vec![("phone".into(), 2), ("chatbot".into(), 1)],
            answered_entry_id: None,
        }
    }

    #[test]
    fn csv_has_a_bom_crlf_and_guards_formulas() {
        let text = csv(&[gap("=HYPERLINK(\"x\")"), gap("여권, 분실")]);
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert!(
            lines[1].starts_with("1,\"'=HYPERLINK(\"\"x\"\")\",3,1,"),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains("\"여권, 분실\""));
        assert!(lines[1].contains("2026-12-01 09:00"), "KST");
        let parsed = minwon_audit::csv::parse(text.trim_start_matches('\u{feff}')).unwrap();
        assert_eq!(
            parsed[1][1], "=HYPERLINK(\"x\")",
            "the guard reads back exact"
        );
    }

    #[test]
    fn html_is_korean_self_contained_and_escaped() {
        let page = html(&[gap("<script>alert(1)</script>")], 1, GapRange::ALL, 0);
        assert!(page.contains("<html lang=\"ko\">"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("<script>"));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no outside assets"
        );
        assert!(page.contains("@media print"));
        assert!(page.contains("처음 ~ 현재"));
        let empty = html(&[], 0, GapRange::ALL, 0);
        assert!(empty.contains("답하지 못한 검색이 없습니다"));
    }
}
