//! Bus routes as public knowledge: the [`KnowledgeSource`] the hub's `SearchKnowledge` asks
//! beside the consultation knowledge base, so the chatbot answers "60-3번 버스 첫차?" from the
//! traffic department's own route data. No personal data is involved.
//!
//! Scores sit on the same scale as the Saeol knowledge base (a question matching every query
//! word scores 1,200 and up there): an exact route number ranks first (3,000), a route number
//! containing the query next (1,500), a route found through its termini or stops with them
//! (1,200).

use crate::bus::{BusRouteClient, BusRouteInfo, normalize_route_no};
use minwon_connector_sdk::{
    CallContext, ConnectorError, ErrorKind, KnowledgeEntry, KnowledgeSource,
};

/// The category bus routes are filed under.
pub const CATEGORY: &str = "버스노선";
/// The department answering bus questions, and its phone.
const DEPARTMENT: (&str, &str) = ("대중교통과", "031-980-2571");

/// Bus route search as a knowledge source.
#[derive(Debug, Clone)]
pub struct BusKnowledge {
    client: BusRouteClient,
}

impl BusKnowledge {
    /// Over a route client.
    pub fn new(client: BusRouteClient) -> Self {
        BusKnowledge { client }
    }
}

fn hhmm(t: chrono::NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// One route as a Q&A entry.
pub fn entry(r: &BusRouteInfo, query: &str) -> KnowledgeEntry {
    let wanted = normalize_route_no(query);
    let score = if wanted.as_deref() == Some(r.route_no.as_str()) {
        3000.0
    } else if wanted.as_deref().is_some_and(|w| r.route_no.contains(w)) {
        1500.0
    } else {
        1200.0
    };
    let interval = match (r.peak_interval_min, r.off_peak_interval_min) {
        (Some(p), Some(o)) => format!(" 배차 간격은 출퇴근 {p}분, 평시 {o}분입니다."),
        (Some(p), None) | (None, Some(p)) => format!(" 배차 간격은 약 {p}분입니다."),
        (None, None) => String::new(),
    };
    let company = match (&r.company, &r.company_tel) {
        (Some(c), Some(t)) => format!(" 운수사: {c} ({t})."),
        (Some(c), None) => format!(" 운수사: {c}."),
        _ => String::new(),
    };
    KnowledgeEntry {
        id: format!("bus:{}", r.route_no),
        category: CATEGORY.to_string(),
        question: format!(
            "{}번 {} 버스 노선 ({} ↔ {})",
            r.route_no,
            r.route_type.label(),
            r.start_stop,
            r.end_stop
        ),
        answer: format!(
            "{}번 버스는 {}에서 {}까지 운행합니다. 첫차 {}, 막차 {}.{interval}{company}",
            r.route_no,
            r.start_stop,
            r.end_stop,
            hhmm(r.first_bus),
            hhmm(r.last_bus)
        ),
        department: DEPARTMENT.0.to_string(),
        contact: DEPARTMENT.1.to_string(),
        score,
    }
}

#[async_trait::async_trait]
impl KnowledgeSource for BusKnowledge {
    async fn search(
        &self,
        query: &str,
        category: Option<&str>,
        limit: usize,
        ctx: &CallContext,
    ) -> Result<(Vec<KnowledgeEntry>, usize), ConnectorError> {
        if category.is_some_and(|c| c != CATEGORY) {
            return Ok((Vec::new(), 0));
        }
        let routes = match self.client.search_routes(query, ctx).await {
            Ok(r) => r,
            // A knowledge query the route search cannot take (e.g. a long sentence) simply
            // matches no route.
            Err(e) if matches!(e.kind, ErrorKind::InvalidQuery | ErrorKind::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut entries: Vec<KnowledgeEntry> = routes.iter().map(|r| entry(r, query)).collect();
        entries.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        let total = entries.len();
        entries.truncate(limit);
        Ok((entries, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::BusRouteType;

    fn route(no: &str) -> BusRouteInfo {
        BusRouteInfo {
            route_id: format!("R{no}"),
            route_no: no.to_string(),
            route_type: BusRouteType::General,
            start_stop: "양곡터미널".into(),
            end_stop: "김포공항".into(),
            first_bus: chrono::NaiveTime::from_hms_opt(5, 30, 0).unwrap(),
            last_bus: chrono::NaiveTime::from_hms_opt(23, 10, 0).unwrap(),
            peak_interval_min: Some(12),
            off_peak_interval_min: Some(20),
            company: Some("김포운수".into()),
            company_tel: None,
        }
    }

    #[test]
    fn exact_route_numbers_rank_first_and_read_naturally() {
        let exact = entry(&route("60-3"), "60-3");
        let partial = entry(&route("60-3"), "60");
        let by_stop = entry(&route("60-3"), "양곡");
        assert!(exact.score > partial.score && partial.score > by_stop.score);
        assert_eq!(exact.category, CATEGORY);
        assert!(exact.question.starts_with("60-3번 일반 버스 노선"));
        assert!(exact.answer.contains("첫차 05:30") && exact.answer.contains("출퇴근 12분"));
    }
}
