//! The simulator's public bus route service: Gimpo routes (일반, 좌석, 광역, 마을 — including
//! 김포골드라인 feeder lines) with their stops, served by route number, by keyword and as
//! paged stop lists. Public data: no population needed.

use super::{Params, Shared, paged, result_error, xml};
use crate::protocol::{bus_field, param};
use axum::extract::{Query, State};
use axum::response::Response;
use minwon_connector_sdk::portal::write_page;
use std::collections::HashMap;

/// One route as the table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    /// Route id.
    pub id: &'static str,
    /// Route number.
    pub no: &'static str,
    /// 일반, 좌석, 광역, 마을.
    pub kind: &'static str,
    /// First and last departure, `HHMM`.
    pub hours: (&'static str, &'static str),
    /// Peak and off-peak interval in minutes.
    pub intervals: (u32, u32),
    /// Operating company and its phone.
    pub company: (&'static str, &'static str),
    /// Stops in order.
    pub stops: &'static [&'static str],
}

/// Gimpo's routes in the simulated world.
pub const ROUTES: [RouteDef; 9] = [
    RouteDef {
        id: "233000031",
        no: "60-3",
        kind: "일반",
        hours: ("0500", "2330"),
        intervals: (12, 20),
        company: ("김포운수", "031-981-6003"),
        stops: &[
            "마송터미널",
            "통진읍행정복지센터",
            "양곡터미널",
            "구래역",
            "마산역",
            "장기역",
            "운양역",
            "걸포북변역",
            "김포시청",
            "사우역",
            "풍무역",
            "고촌역",
            "김포공항역",
        ],
    },
    RouteDef {
        id: "233000070",
        no: "70",
        kind: "일반",
        hours: ("0520", "2300"),
        intervals: (15, 25),
        company: ("선진버스", "031-985-0070"),
        stops: &[
            "양촌산업단지",
            "양곡터미널",
            "구래역",
            "장기동이마트",
            "김포시청",
            "사우역",
            "풍무역",
            "신곡사거리",
            "개화역",
            "송정역",
        ],
    },
    RouteDef {
        id: "233000102",
        no: "1002",
        kind: "좌석",
        hours: ("0450", "2310"),
        intervals: (10, 15),
        company: ("김포운수", "031-981-6003"),
        stops: &[
            "양곡터미널",
            "구래역",
            "마산역",
            "장기역",
            "운양역",
            "김포시청",
            "홍대입구역",
            "신촌역",
            "충정로역",
            "서울역",
        ],
    },
    RouteDef {
        id: "233000300",
        no: "3000",
        kind: "좌석",
        hours: ("0500", "2240"),
        intervals: (12, 20),
        company: ("선진버스", "031-985-0070"),
        stops: &[
            "강화터미널",
            "마송터미널",
            "양곡터미널",
            "구래역",
            "김포시청",
            "사우역",
            "풍무역",
            "홍대입구역",
            "신촌역",
        ],
    },
    RouteDef {
        id: "233000860",
        no: "8600",
        kind: "광역",
        hours: ("0530", "2300"),
        intervals: (8, 15),
        company: ("김포운수", "031-981-6003"),
        stops: &[
            "한강신도시구래동",
            "구래역",
            "마산역",
            "장기역",
            "운양역",
            "당산역",
            "영등포구청역",
            "서울역",
        ],
    },
    RouteDef {
        id: "233000600",
        no: "G6000",
        kind: "광역",
        hours: ("0520", "2250"),
        intervals: (10, 20),
        company: ("선진버스", "031-985-0070"),
        stops: &[
            "구래역",
            "마산역",
            "장기역",
            "운양역",
            "고촌역",
            "고속터미널역",
            "강남역",
            "잠실역",
        ],
    },
    RouteDef {
        id: "233000081",
        no: "81",
        kind: "마을",
        hours: ("0600", "2300"),
        intervals: (10, 15),
        company: ("고촌마을버스", "031-987-0081"),
        stops: &[
            "신곡리캐슬앤파밀리에",
            "신곡초등학교",
            "고촌읍행정복지센터",
            "고촌역",
            "향산리",
        ],
    },
    RouteDef {
        id: "233000087",
        no: "87",
        kind: "마을",
        hours: ("0600", "2330"),
        intervals: (8, 12),
        company: ("풍무마을버스", "031-984-0087"),
        stops: &[
            "풍무푸르지오",
            "풍무초등학교",
            "풍무역",
            "사우역",
            "김포시청",
        ],
    },
    RouteDef {
        id: "233000003",
        no: "3",
        kind: "마을",
        hours: ("0610", "2240"),
        intervals: (15, 25),
        company: ("양촌마을버스", "031-988-0003"),
        stops: &["학운산업단지", "양촌읍행정복지센터", "누산리", "구래역"],
    },
];

impl RouteDef {
    /// The route as an `<item>`.
    pub fn to_item(&self) -> Vec<(&'static str, String)> {
        vec![
            (bus_field::ROUTE_ID, self.id.to_string()),
            (bus_field::ROUTE_NO, self.no.to_string()),
            (bus_field::ROUTE_TP_NM, self.kind.to_string()),
            (
                bus_field::ST_STA_NM,
                self.stops.first().copied().unwrap_or_default().to_string(),
            ),
            (
                bus_field::ED_STA_NM,
                self.stops.last().copied().unwrap_or_default().to_string(),
            ),
            (bus_field::FIRST_TM, self.hours.0.to_string()),
            (bus_field::LAST_TM, self.hours.1.to_string()),
            (bus_field::PEEK_ALLOC, self.intervals.0.to_string()),
            (bus_field::NPEEK_ALLOC, self.intervals.1.to_string()),
            (bus_field::COMPANY_NM, self.company.0.to_string()),
            (bus_field::COMPANY_TEL, self.company.1.to_string()),
        ]
    }
}

/// Stop ids: one per stop name, shared by every route stopping there.
pub fn stop_ids() -> HashMap<&'static str, String> {
    let mut ids = HashMap::new();
    for name in ROUTES.iter().flat_map(|r| r.stops.iter()) {
        let next = format!("41570{:03}", ids.len() + 1);
        ids.entry(*name).or_insert(next);
    }
    ids
}

fn page_params(q: &HashMap<String, String>) -> (Option<&str>, Option<&str>) {
    (
        q.get(param::NUM_OF_ROWS).map(String::as_str),
        q.get(param::PAGE_NO).map(String::as_str),
    )
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `getBusRouteInfo`: one route by number, or code 03.
pub async fn route_info(State(st): Shared, Query(q): Params) -> Response {
    if let Some(r) = st.gate(&q).await {
        return r;
    }
    let wanted = match q.get(param::ROUTE_NO).map(|s| normalize(s)) {
        None => return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR"),
        Some(w) if w.is_empty() => {
            return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR");
        }
        Some(w) => w,
    };
    match ROUTES.iter().find(|r| r.no == wanted) {
        Some(r) => xml(write_page(&[r.to_item()], 1, 1, 1)),
        None => result_error("03", "NODATA_ERROR"),
    }
}

/// `getBusRouteList`: routes whose number, or any stop, contains the keyword.
pub async fn route_list(State(st): Shared, Query(q): Params) -> Response {
    if let Some(r) = st.gate(&q).await {
        return r;
    }
    let Some(kw) = q
        .get(param::KEYWORD)
        .map(|s| normalize(s))
        .filter(|s| !s.is_empty())
    else {
        return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR");
    };
    let hits: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.no.contains(&kw) || r.stops.iter().any(|s| s.contains(&kw)))
        .map(RouteDef::to_item)
        .collect();
    paged(&st, page_params(&q), hits)
}

/// `getBusRouteStationList`: a route's stops in order, paged.
pub async fn stations(State(st): Shared, Query(q): Params) -> Response {
    if let Some(r) = st.gate(&q).await {
        return r;
    }
    let Some(id) = q
        .get(param::ROUTE_ID)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR");
    };
    let Some(route) = ROUTES.iter().find(|r| r.id == id) else {
        return result_error("03", "NODATA_ERROR");
    };
    let items = route
        .stops
        .iter()
        .enumerate()
        .map(|(i, name)| {
            vec![
                (bus_field::STATION_SEQ, (i + 1).to_string()),
                (
                    bus_field::STATION_ID,
                    st.stop_ids.get(name).cloned().unwrap_or_default(),
                ),
                (bus_field::STATION_NM, name.to_string()),
            ]
        })
        .collect();
    paged(&st, page_params(&q), items)
}
