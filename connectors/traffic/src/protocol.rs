//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, parameter and element names.
//!
//! Two public-data-portal style services under one base URL:
//! - the **fine service** (personal data): `POST <base_url><FINE_SERVICE_PATH>/<operation>
//!   ?serviceKey=<key>` with the parameters in an `application/x-www-form-urlencoded` body —
//!   the plate number is personal data and query strings end up in access logs;
//! - the **bus route service** (public data): `GET <base_url><BUS_SERVICE_PATH>/<operation>
//!   ?serviceKey=<key>&…`, the portal's usual shape.
//!
//! Both answer the SDK's portal envelope (`minwon_connector_sdk::portal`).

/// Path of the traffic fine service below the base URL (Gimpo's institution code 4157000).
pub const FINE_SERVICE_PATH: &str = "/4157000/TrafficFineService";
/// Lists one vehicle's fines, paged. Form: `vhclNo`, `numOfRows`, `pageNo`.
pub const OP_FINE_LIST: &str = "getTrafficFineList";
/// Returns one fine. Form: `fineNo`.
pub const OP_FINE_DETAIL: &str = "getTrafficFineDetail";

/// Path of the public bus route service below the base URL.
pub const BUS_SERVICE_PATH: &str = "/4157000/BusRouteInfoService";
/// One route's facts by route number. Query: `routeNo`.
pub const OP_BUS_ROUTE: &str = "getBusRouteInfo";
/// Routes matching a keyword (route number, terminus or stop name), paged. Query: `keyword`,
/// `numOfRows`, `pageNo`.
pub const OP_BUS_ROUTE_LIST: &str = "getBusRouteList";
/// The stops of one route in order, paged. Query: `routeId`, `numOfRows`, `pageNo`.
pub const OP_BUS_STATIONS: &str = "getBusRouteStationList";

/// The service key the simulator accepts by default and the config uses by default.
pub const DEMO_SERVICE_KEY: &str = "minwon-demo-traffic-key";
/// Content type of every XML answer.
pub const XML_CONTENT_TYPE: &str = "application/xml;charset=UTF-8";
/// The media type of a form body.
pub use minwon_connector_sdk::form::FORM_CONTENT_TYPE;

/// Request parameter names.
pub mod param {
    /// The service key (query string).
    pub const SERVICE_KEY: &str = "serviceKey";
    /// Vehicle plate number, canonical without spaces (form body).
    pub const VHCL_NO: &str = "vhclNo";
    /// Fine number (form body).
    pub const FINE_NO: &str = "fineNo";
    /// Page size.
    pub const NUM_OF_ROWS: &str = "numOfRows";
    /// 1-based page number.
    pub const PAGE_NO: &str = "pageNo";
    /// Bus route number, e.g. `60-3` (query).
    pub const ROUTE_NO: &str = "routeNo";
    /// Bus route id (query).
    pub const ROUTE_ID: &str = "routeId";
    /// Search keyword (query).
    pub const KEYWORD: &str = "keyword";
}

/// Element names inside one fine `<item>`.
pub mod field {
    /// Fine number (고지번호), unique and stable.
    pub const FINE_NO: &str = "fineNo";
    /// Kind of penalty: 과태료 (owner, camera) or 범칙금 (identified driver).
    pub const FINE_SE_NM: &str = "fineSeNm";
    /// Violation: 과속, 신호위반, 어린이보호구역 과속, 버스전용차로 위반, …
    pub const VIO_TYPE_NM: &str = "vioTypeNm";
    /// Enforcement device, e.g. 고정식 과속 카메라.
    pub const CRDN_EQPMNT_NM: &str = "crdnEqpmntNm";
    /// Speed limit at the place, km/h (speeding only).
    pub const LMT_SPD: &str = "lmtSpd";
    /// Measured speed, km/h (speeding only).
    pub const DRV_SPD: &str = "drvSpd";
    /// Violation place: a road location, not personal.
    pub const VIO_PLC_NM: &str = "vioPlcNm";
    /// Violation date-time `YYYYMMDDHHMMSS` (KST).
    pub const VIO_DT: &str = "vioDt";
    /// Plate number (personal).
    pub const VHCL_NO: &str = "vhclNo";
    /// Owner's name (personal).
    pub const OWNR_NM: &str = "ownrNm";
    /// Owner's address the notice went to (personal).
    pub const OWNR_ADDR: &str = "ownrAddr";
    /// Amount due in won.
    pub const FINE_AMT: &str = "fineAmt";
    /// Amount before a reduction (감경), when reduced.
    pub const ORGNL_AMT: &str = "orgnlAmt";
    /// Penalty points (벌점), for 범칙금.
    pub const PNLTY_PNT: &str = "pnltyPnt";
    /// Notice date `YYYYMMDD`.
    pub const NTC_DE: &str = "ntcDe";
    /// Payment due date `YYYYMMDD`.
    pub const DUE_DE: &str = "dueDe";
    /// Payment date `YYYYMMDD`, when paid.
    pub const PAY_DE: &str = "payDe";
    /// Status word (see the mapping table).
    pub const STTUS_NM: &str = "sttusNm";
    /// Department in charge.
    pub const DEPT_NM: &str = "deptNm";
    /// Department phone.
    pub const DEPT_TELNO: &str = "deptTelno";
}

/// Element names inside one bus route `<item>` and one stop `<item>`.
pub mod bus_field {
    /// Route id, stable (e.g. `233000031`).
    pub const ROUTE_ID: &str = "routeId";
    /// Route number as shown on the bus, e.g. `60-3`.
    pub const ROUTE_NO: &str = "routeNo";
    /// Route type: 일반, 좌석, 광역, 마을.
    pub const ROUTE_TP_NM: &str = "routeTpNm";
    /// First stop.
    pub const ST_STA_NM: &str = "stStaNm";
    /// Last stop.
    pub const ED_STA_NM: &str = "edStaNm";
    /// First departure `HHMM`.
    pub const FIRST_TM: &str = "upFirstTm";
    /// Last departure `HHMM`.
    pub const LAST_TM: &str = "upLastTm";
    /// Interval at peak hours, minutes.
    pub const PEEK_ALLOC: &str = "peekAlloc";
    /// Interval off peak, minutes.
    pub const NPEEK_ALLOC: &str = "nPeekAlloc";
    /// Operating company.
    pub const COMPANY_NM: &str = "companyNm";
    /// Operating company's phone (a business line).
    pub const COMPANY_TEL: &str = "companyTel";
    /// A stop's position on the route, from 1.
    pub const STATION_SEQ: &str = "stationSeq";
    /// A stop's id.
    pub const STATION_ID: &str = "stationId";
    /// A stop's name.
    pub const STATION_NM: &str = "stationNm";
}

pub use minwon_connector_sdk::form::{form_decode, form_encode, form_value};
