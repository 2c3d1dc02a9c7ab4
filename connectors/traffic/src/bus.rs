//! Public bus route information: [`BusRouteClient`] asks the bus route service (route number →
//! type, termini, first/last bus, intervals, stops; keyword search). No personal data, so it
//! is not part of the `Connector` trait: the hub can serve it to anyone (chatbot, knowledge
//! service) and it keeps working when the audit store is down.

use crate::protocol::{
    BUS_SERVICE_PATH, OP_BUS_ROUTE, OP_BUS_ROUTE_LIST, OP_BUS_STATIONS, bus_field, form_encode,
    param,
};
use chrono::NaiveTime;
use minwon_connector_sdk::http::{BackendClient, HttpSettings};
use minwon_connector_sdk::paging::{PagingLimits, fetch_all};
use minwon_connector_sdk::portal::item::{number, optional, required, time_of_day};
use minwon_connector_sdk::portal::{Item, PortalPage, read_page};
use minwon_connector_sdk::{CallContext, ConnectorError, Credential, ErrorKind};
use serde::Serialize;

/// What the error messages call one item.
const WHAT: &str = "bus route";
/// Stops asked per page.
const STOPS_PAGE: u32 = 100;
/// Routes asked per search page.
const SEARCH_PAGE: u32 = 50;
/// Most pages of stops or search results fetched.
const MAX_PAGES: u32 = 10;

/// The kind of a bus route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum BusRouteType {
    /// 일반 — city bus.
    General,
    /// 좌석 — seated (express) bus.
    Seat,
    /// 광역 — metropolitan bus into Seoul.
    Metropolitan,
    /// 마을 — village bus, often a feeder to a 김포골드라인 station.
    Village,
    /// Any other word, kept verbatim.
    Other(String),
}

impl BusRouteType {
    /// The type of a source word (일반, 좌석, 광역, 마을; `…버스` suffix allowed).
    pub fn from_word(word: &str) -> Self {
        match word.trim().trim_end_matches("버스") {
            "일반" => BusRouteType::General,
            "좌석" => BusRouteType::Seat,
            "광역" => BusRouteType::Metropolitan,
            "마을" => BusRouteType::Village,
            _ => BusRouteType::Other(word.trim().to_string()),
        }
    }

    /// The Korean word shown to citizens.
    pub fn label(&self) -> &str {
        match self {
            BusRouteType::General => "일반",
            BusRouteType::Seat => "좌석",
            BusRouteType::Metropolitan => "광역",
            BusRouteType::Village => "마을",
            BusRouteType::Other(w) => w,
        }
    }
}

/// One route's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusRouteInfo {
    /// The service's stable route id.
    pub route_id: String,
    /// Route number as shown on the bus, e.g. `60-3`, `G6000`.
    pub route_no: String,
    /// Route type.
    pub route_type: BusRouteType,
    /// First stop.
    pub start_stop: String,
    /// Last stop.
    pub end_stop: String,
    /// First departure.
    pub first_bus: NaiveTime,
    /// Last departure.
    pub last_bus: NaiveTime,
    /// Interval at peak hours, minutes.
    pub peak_interval_min: Option<u32>,
    /// Interval off peak, minutes.
    pub off_peak_interval_min: Option<u32>,
    /// Operating company.
    pub company: Option<String>,
    /// Operating company's phone (a business line).
    pub company_tel: Option<String>,
}

/// One stop of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusStop {
    /// Position on the route, from 1.
    pub seq: u32,
    /// Stop id.
    pub id: String,
    /// Stop name.
    pub name: String,
}

/// A route with its stops in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusRoute {
    /// The route's facts.
    pub info: BusRouteInfo,
    /// The stops, by `seq`.
    pub stops: Vec<BusStop>,
}

/// Client of the public bus route service. Build it with
/// [`crate::TrafficConfig::bus_client`].
#[derive(Debug, Clone)]
pub struct BusRouteClient {
    client: BackendClient,
    base: String,
    service_key: Credential,
}

/// A route number as the service knows it: spaces dropped, letters upper-cased. `None` when
/// it cannot be one (1 to 20 of letters, digits, hyphens, Hangul).
pub fn normalize_route_no(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ok = (1..=20).contains(&s.chars().count())
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '-' || ('\u{AC00}'..='\u{D7A3}').contains(&c)
        });
    ok.then_some(s)
}

impl BusRouteClient {
    /// A client of the service at `base_url` (the service path is appended).
    pub fn new(
        base_url: &str,
        service_key: &str,
        http: &HttpSettings,
    ) -> Result<Self, ConnectorError> {
        Ok(BusRouteClient {
            client: BackendClient::new(http)?,
            base: format!("{}{BUS_SERVICE_PATH}", base_url.trim_end_matches('/')),
            service_key: Credential::new(service_key),
        })
    }

    async fn get(
        &self,
        op: &str,
        params: &[(&str, &str)],
        ctx: &CallContext,
    ) -> Result<PortalPage, ConnectorError> {
        let mut pairs = vec![(param::SERVICE_KEY, self.service_key.expose())];
        pairs.extend_from_slice(params);
        let url = format!("{}/{op}?{}", self.base, form_encode(&pairs));
        let req = self
            .client
            .inner()
            .get(url)
            .header(reqwest::header::ACCEPT, "application/xml");
        read_page(&self.client.send(req, ctx).await?)
    }

    /// Every page of a paged operation.
    async fn get_all(
        &self,
        op: &str,
        name: &str,
        value: &str,
        page_size: u32,
        ctx: &CallContext,
    ) -> Result<Vec<Item>, ConnectorError> {
        let limits = PagingLimits {
            page_size,
            max_pages: MAX_PAGES,
            deadline: ctx.deadline,
        };
        let rows = page_size.to_string();
        fetch_all(limits, |page_no| {
            let page = page_no.to_string();
            let rows = rows.clone();
            async move {
                let params = [
                    (name, value),
                    (param::NUM_OF_ROWS, rows.as_str()),
                    (param::PAGE_NO, page.as_str()),
                ];
                self.get(op, &params, ctx).await
            }
        })
        .await
    }

    /// The route with this number and its stops; `None` when the service knows no such route.
    /// A number that cannot be a route number is InvalidQuery.
    pub async fn route(
        &self,
        route_no: &str,
        ctx: &CallContext,
    ) -> Result<Option<BusRoute>, ConnectorError> {
        let wanted = normalize_route_no(route_no).ok_or_else(|| {
            ConnectorError::invalid_query(
                "a route number is 1 to 20 letters, digits, hyphens or Hangul",
            )
        })?;
        let page = match self
            .get(OP_BUS_ROUTE, &[(param::ROUTE_NO, &wanted)], ctx)
            .await
        {
            Ok(p) => p,
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let infos = page
            .items
            .iter()
            .map(item_to_route_info)
            .collect::<Result<Vec<_>, _>>()?;
        let Some(info) = infos.into_iter().find(|i| i.route_no == wanted) else {
            return match page.items.len() {
                0 => Ok(None),
                _ => Err(ConnectorError::bad_response(
                    "route lookup answered another route number",
                )),
            };
        };
        let items = self
            .get_all(
                OP_BUS_STATIONS,
                param::ROUTE_ID,
                &info.route_id,
                STOPS_PAGE,
                ctx,
            )
            .await?;
        let mut stops = items
            .iter()
            .map(item_to_stop)
            .collect::<Result<Vec<_>, _>>()?;
        stops.sort_by_key(|s| s.seq);
        if stops.windows(2).any(|w| w[0].seq == w[1].seq) {
            return Err(ConnectorError::bad_response(
                "route stops repeat a stationSeq",
            ));
        }
        Ok(Some(BusRoute { info, stops }))
    }

    /// Routes whose number, termini or stops match `query` (e.g. `사우역`, `G60`); empty when
    /// none. A query that is empty, over 40 characters or holds control characters is
    /// InvalidQuery.
    pub async fn search_routes(
        &self,
        query: &str,
        ctx: &CallContext,
    ) -> Result<Vec<BusRouteInfo>, ConnectorError> {
        let q = query.trim();
        if q.is_empty() || q.chars().count() > 40 || q.chars().any(char::is_control) {
            return Err(ConnectorError::invalid_query(
                "a route search is 1 to 40 characters without control characters",
            ));
        }
        let items = self
            .get_all(OP_BUS_ROUTE_LIST, param::KEYWORD, q, SEARCH_PAGE, ctx)
            .await?;
        items.iter().map(item_to_route_info).collect()
    }

    /// A cheap real request: a lookup of a route number no route has. Up when the service
    /// answers (found or not) and accepts the key.
    pub async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        self.route("0", ctx).await.map(|_| ())
    }
}

/// Maps one route item.
pub fn item_to_route_info(item: &Item) -> Result<BusRouteInfo, ConnectorError> {
    let req = |name| required(item, WHAT, name);
    let time = |name| req(name).and_then(|v| time_of_day(WHAT, name, v));
    let minutes = |name| {
        optional(item, name)
            .map(|v| number(WHAT, name, v, 1..=600))
            .transpose()
    };
    let route_no = req(bus_field::ROUTE_NO)?;
    Ok(BusRouteInfo {
        route_id: req(bus_field::ROUTE_ID)?.to_string(),
        route_no: normalize_route_no(route_no).ok_or_else(|| {
            ConnectorError::bad_response(format!(
                "{WHAT} item {} is not a route number",
                bus_field::ROUTE_NO
            ))
        })?,
        route_type: BusRouteType::from_word(req(bus_field::ROUTE_TP_NM)?),
        start_stop: req(bus_field::ST_STA_NM)?.to_string(),
        end_stop: req(bus_field::ED_STA_NM)?.to_string(),
        first_bus: time(bus_field::FIRST_TM)?,
        last_bus: time(bus_field::LAST_TM)?,
        peak_interval_min: minutes(bus_field::PEEK_ALLOC)?,
        off_peak_interval_min: minutes(bus_field::NPEEK_ALLOC)?,
        company: optional(item, bus_field::COMPANY_NM).map(str::to_string),
        company_tel: optional(item, bus_field::COMPANY_TEL).map(str::to_string),
    })
}

/// Maps one stop item.
pub fn item_to_stop(item: &Item) -> Result<BusStop, ConnectorError> {
    let seq = required(item, WHAT, bus_field::STATION_SEQ)?;
    Ok(BusStop {
        seq: number(WHAT, bus_field::STATION_SEQ, seq, 1..=1000)?,
        id: required(item, WHAT, bus_field::STATION_ID)?.to_string(),
        name: required(item, WHAT, bus_field::STATION_NM)?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_numbers_normalize_and_odd_ones_are_refused() {
        assert_eq!(normalize_route_no(" g6000 ").as_deref(), Some("G6000"));
        assert_eq!(normalize_route_no("60 - 3").as_deref(), Some("60-3"));
        assert_eq!(normalize_route_no("김포01").as_deref(), Some("김포01"));
        for bad in ["", "  ", "60&3", "a/b", &"1".repeat(21)] {
            assert_eq!(normalize_route_no(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn route_types_from_words() {
        assert_eq!(BusRouteType::from_word("마을버스"), BusRouteType::Village);
        assert_eq!(BusRouteType::from_word("광역"), BusRouteType::Metropolitan);
        assert_eq!(BusRouteType::from_word("직행좌석").label(), "직행좌석");
    }

    #[test]
    fn a_route_item_maps_and_bad_times_are_bad_response() {
        let mut item: Item = [
            (bus_field::ROUTE_ID, "233000031"),
            (bus_field::ROUTE_NO, "60-3"),
            (bus_field::ROUTE_TP_NM, "일반"),
            (bus_field::ST_STA_NM, "마송터미널"),
            (bus_field::ED_STA_NM, "김포공항역"),
            (bus_field::FIRST_TM, "0500"),
            (bus_field::LAST_TM, "2330"),
            (bus_field::PEEK_ALLOC, "12"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let info = item_to_route_info(&item).unwrap();
        assert_eq!(
            (info.route_type.clone(), info.peak_interval_min),
            (BusRouteType::General, Some(12))
        );
        assert_eq!(info.last_bus, NaiveTime::from_hms_opt(23, 30, 0).unwrap());
        item.insert(bus_field::LAST_TM, "2575");
        let e = item_to_route_info(&item).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains(bus_field::LAST_TM));
    }
}
