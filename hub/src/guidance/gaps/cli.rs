//! `minwon-hub knowledge gaps`: the knowledge-gap report from the configured store into a
//! folder, as `knowledge-gaps.html` and `knowledge-gaps.csv`.

use super::store::{GapRange, report};
use crate::config::HubConfig;
use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone};
use std::path::Path;

/// File names written into the output folder.
pub const HTML_FILE: &str = "knowledge-gaps.html";
/// See [`HTML_FILE`].
pub const CSV_FILE: &str = "knowledge-gaps.csv";

/// `--from` / `--to`: RFC 3339, or `YYYY-MM-DD` meaning midnight in Korea (KST).
pub fn parse_time(value: &str, name: &str) -> Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis());
    }
    let kst = minwon_connector_sdk::dates::kst();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| kst.from_local_datetime(&t).single())
        .map(|t| t.timestamp_millis())
        .with_context(|| {
            format!("--{name}: use YYYY-MM-DD (KST) or RFC 3339 (2026-11-01T00:00:00+09:00)")
        })
}

/// Writes the report for `[from, to)` (most frequent `limit` gaps) into `out` (created).
pub async fn export(
    config: &Path,
    from: Option<&str>,
    to: Option<&str>,
    limit: usize,
    out: &Path,
) -> Result<()> {
    let cfg = HubConfig::load(config)?;
    let range = GapRange {
        from_ms: from
            .map(|v| parse_time(v, "from"))
            .transpose()?
            .unwrap_or(i64::MIN),
        to_ms: to
            .map(|v| parse_time(v, "to"))
            .transpose()?
            .unwrap_or(i64::MAX),
    };
    if range.from_ms >= range.to_ms {
        anyhow::bail!("--from must be before --to");
    }
    let store = super::open_store(&cfg.audit).await?;
    let (gaps, total) = report(store.as_ref(), range, limit)
        .await
        .map_err(|e| anyhow::anyhow!("reading the knowledge gaps: {e}"))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let now = chrono::Utc::now().timestamp_millis();
    let html_path = out.join(HTML_FILE);
    std::fs::write(&html_path, super::report::html(&gaps, total, range, now))
        .with_context(|| format!("writing {}", html_path.display()))?;
    let csv_path = out.join(CSV_FILE);
    std::fs::write(&csv_path, super::report::csv(&gaps))
        .with_context(|| format!("writing {}", csv_path.display()))?;
    println!(
        "{} of {total} knowledge gaps written to {} and {}",
        gaps.len(),
        html_path.display(),
        csv_path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_korean_midnight_and_bad_ones_name_the_flag() {
        // 2026-12-01 00:00 KST = 2026-11-30T15:00Z.
        assert_eq!(
            parse_time("2026-12-01", "from").unwrap(),
            1_796_083_200_000 - 9 * 3_600_000
        );
        assert_eq!(
            parse_time("2026-12-01T00:00:00Z", "to").unwrap(),
            1_796_083_200_000
        );
        let e = parse_time("12/01/2026", "to").unwrap_err().to_string();
        assert!(e.starts_with("--to:"), "{e}");
    }
}
