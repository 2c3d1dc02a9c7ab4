//! Building one request of a declarative connector (URL, parameters where the table puts
//! them, authentication) and reading its answer into a page of records (with its total count
//! and next cursor, when paging asks for them).

use crate::mapping::flatten;
use crate::spec::{Auth, Envelope, ErrorName, KeyLocation, Kind, Method, ParamIn};
use minwon_connector_sdk::form::form_encode;
use minwon_connector_sdk::http::{RawResponse, classify_status};
use minwon_connector_sdk::json;
use minwon_connector_sdk::portal::{PortalPage, read_page};
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use serde_json::Value;

/// One parameter value: text (keys, ids, cursors) or a number (page number, offset, size in
/// JSON bodies).
#[derive(Clone)]
pub enum Param {
    /// A string.
    Text(String),
    /// A number.
    Number(u64),
}

impl Param {
    fn text(&self) -> String {
        match self {
            Param::Text(s) => s.clone(),
            Param::Number(n) => n.to_string(),
        }
    }
}

/// A request before it is sent; no `Debug`, as it holds the citizen key.
pub struct Call<'a> {
    /// The method.
    pub method: Method,
    /// The path below the base URL, `{name}` placeholders not yet filled.
    pub path: &'a str,
    /// Parameters and where each goes.
    pub params: Vec<(&'a str, Param, ParamIn)>,
}

/// Percent-encodes one path segment or query component.
fn encode(v: &str) -> String {
    form_encode(&[("", v)])[1..].to_string()
}

/// Builds the `reqwest` request of `call`; `bearer` is the OAuth2 access token when the table
/// authenticates that way.
pub fn build(
    client: &reqwest::Client,
    base_url: &str,
    auth: &Auth,
    bearer: Option<&str>,
    call: &Call<'_>,
) -> Result<reqwest::RequestBuilder, ConnectorError> {
    let mut path = call.path.to_string();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut form: Vec<(String, String)> = Vec::new();
    let mut body = serde_json::Map::new();
    for (name, value, at) in &call.params {
        match at {
            ParamIn::Path => path = path.replace(&format!("{{{name}}}"), &encode(&value.text())),
            ParamIn::Query => query.push((name.to_string(), value.text())),
            ParamIn::Form => form.push((name.to_string(), value.text())),
            ParamIn::Json => {
                let v = match value {
                    Param::Text(s) => Value::String(s.clone()),
                    Param::Number(n) => Value::from(*n),
                };
                body.insert(name.to_string(), v);
            }
        }
    }
    let mut headers: Vec<(&str, &str)> = Vec::new();
    match auth {
        Auth::None => {}
        Auth::ServiceKey {
            name,
            location: KeyLocation::Query,
            value,
        } => query.push((name.clone(), value.expose().to_string())),
        Auth::ServiceKey {
            name,
            location: KeyLocation::Header,
            value,
        } => headers.push((name, value.expose())),
        Auth::ApiKey { header, value } => headers.push((header, value.expose())),
        // The token comes from the connector's token cache, as `bearer`.
        Auth::OAuth2ClientCredentials { .. } => {}
    }
    let mut url = format!("{}{path}", base_url.trim_end_matches('/'));
    if !query.is_empty() {
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        url.push('?');
        url.push_str(&form_encode(&pairs));
    }
    let mut req = match call.method {
        Method::Get => client.get(url),
        Method::Post => client.post(url),
    };
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if !body.is_empty() {
        let bytes = serde_json::to_vec(&Value::Object(body))
            .map_err(|_| ConnectorError::internal("serializing a request body"))?;
        req = req
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json;charset=UTF-8",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(bytes);
    } else if !form.is_empty() {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        req = req
            .header(
                reqwest::header::CONTENT_TYPE,
                minwon_connector_sdk::form::FORM_CONTENT_TYPE,
            )
            .body(form_encode(&pairs));
    }
    Ok(req)
}

/// Where a rest-json answer keeps its records and its total.
pub struct JsonShape<'a> {
    /// The envelope.
    pub envelope: &'a Envelope,
    /// Dotted path of the records (an array, or for a detail one object).
    pub items: &'a str,
    /// Dotted path of the total count, when paging asks for it.
    pub total: Option<&'a str>,
    /// Dotted path of the next cursor, when paging by cursor.
    pub next: Option<&'a str>,
}

/// One answer read: its records (and total), and the next cursor when asked for.
pub struct Answer {
    /// The records, with the total count when read.
    pub page: PortalPage,
    /// The next page's cursor; `None` when the answer names none (missing, null or empty).
    pub next: Option<String>,
}

/// Reads an answer as a page of records: portal-xml by the SDK's portal reader, rest-json by
/// the configured envelope.
pub fn read(
    kind: Kind,
    shape: Option<&JsonShape<'_>>,
    raw: &RawResponse,
) -> Result<Answer, ConnectorError> {
    match (kind, shape) {
        (Kind::PortalXml, _) => Ok(Answer {
            page: read_page(raw)?,
            next: None,
        }),
        (Kind::RestJson, Some(shape)) => read_json(shape, raw),
        (Kind::RestJson, None) => Err(ConnectorError::internal("rest-json without its shape")),
    }
}

fn read_json(shape: &JsonShape<'_>, raw: &RawResponse) -> Result<Answer, ConnectorError> {
    if let Some(err) = classify_status(raw) {
        return Err(err);
    }
    let root: Value = serde_json::from_slice(&raw.body)
        .map_err(|_| ConnectorError::bad_response("answer body is not JSON"))?;
    let env = shape.envelope;
    let code = match json::at(&root, &env.code) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ConnectorError::bad_response(format!(
                "answer without a result code at {}",
                env.code
            )));
        }
    };
    if !env.ok.contains(&code) {
        return Err(match env.codes.get(&code) {
            // A configured code is safe to show; an unknown one is never echoed.
            Some(kind) => {
                ConnectorError::new(error_kind(*kind), format!("back-end result code {code}"))
            }
            None => ConnectorError::unavailable("back-end answered an unrecognised result code"),
        });
    }
    let items = match json::at(&root, shape.items) {
        Some(Value::Array(a)) => a.iter().map(flatten).collect(),
        Some(v @ Value::Object(_)) => vec![flatten(v)],
        Some(Value::Null) | None => {
            return Err(ConnectorError::bad_response(format!(
                "answer without {}",
                shape.items
            )));
        }
        Some(_) => {
            return Err(ConnectorError::bad_response(format!(
                "answer {} is not an array or object",
                shape.items
            )));
        }
    };
    let total_count = match shape.total {
        None => None,
        Some(p) => Some(
            json::at(&root, p)
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    ConnectorError::bad_response(format!("answer {p} is not a count"))
                })?,
        ),
    };
    let next = match shape.next {
        None => None,
        Some(p) => match json::at(&root, p) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                return Err(ConnectorError::bad_response(format!(
                    "answer {p} is not a cursor (text or a number)"
                )));
            }
        },
    };
    Ok(Answer {
        page: PortalPage {
            result_code: code,
            items,
            num_of_rows: None,
            page_no: None,
            total_count,
        },
        next,
    })
}

fn error_kind(e: ErrorName) -> ErrorKind {
    match e {
        ErrorName::NotFound => ErrorKind::NotFound,
        ErrorName::InvalidQuery => ErrorKind::InvalidQuery,
        ErrorName::Unauthorized => ErrorKind::Unauthorized,
        ErrorName::RateLimited => ErrorKind::RateLimited,
        ErrorName::Unavailable => ErrorKind::Unavailable,
    }
}
