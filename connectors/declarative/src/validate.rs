//! Every rule a declarative table must meet, checked at start-up and by `check-config`; each
//! error names the key and what is wrong, never a credential.

use crate::spec::{Auth, Kind, Method, Paging, ParamIn, Spec};
use chrono::format::{Item, StrftimeItems};
use minwon_connector_sdk::config::{self, ConfigError};
use minwon_connector_sdk::oauth2::settings::ClientKeys;

/// Checks `spec` of the connector named `name`.
pub fn validate(name: &str, spec: &Spec) -> Result<(), ConfigError> {
    let err = |m: String| Err(ConfigError::new(name, m));
    if name.is_empty()
        || name.len() > 32
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return err("the table name must be 1 to 32 lower-case letters, digits or `_`".into());
    }
    config::check_common(name, &spec.base_url, &spec.department, &spec.http)?;
    check_path(name, "search.path", &spec.search.path)?;
    check_path(name, "detail.path", &spec.detail.path)?;
    non_empty(name, "search.key_param", &spec.search.key_param)?;
    non_empty(name, "detail.id_param", &spec.detail.id_param)?;
    match spec.search.key_in {
        ParamIn::Path | ParamIn::Query => {
            return err(
                "search.key_in: a citizen key is personal data and never goes in a URL \
                 (paths and query strings end up in access logs); use `form` or `json`"
                    .into(),
            );
        }
        ParamIn::Form | ParamIn::Json => {}
    }
    if spec.search.method == Method::Get {
        return err(
            "search.method: the citizen key travels in the body, so the search is POST".into(),
        );
    }
    if spec.detail.method == Method::Get
        && matches!(spec.detail.id_in, ParamIn::Form | ParamIn::Json)
    {
        return err(
            "detail.method: a GET has no body; put the id in `path` or `query`, or use POST".into(),
        );
    }
    if spec.detail.id_in == ParamIn::Path
        && !spec
            .detail
            .path
            .contains(&format!("{{{}}}", spec.detail.id_param))
    {
        return err(format!(
            "detail.path: must hold `{{{}}}` where the id goes (detail.id_in = \"path\")",
            spec.detail.id_param
        ));
    }
    for (k, v) in &spec.search.params {
        non_empty(name, "search.params", k)?;
        if k == &spec.search.key_param {
            return err(format!(
                "search.params.{k}: the key parameter is not a constant"
            ));
        }
        if let crate::spec::ConstParam::Text(t) = v {
            non_empty(name, &format!("search.params.{k}"), t)?;
        }
    }
    check_kind(name, spec)?;
    check_paging(name, spec)?;
    check_auth(name, spec)?;
    check_mapping(name, spec)?;
    if !minwon_connector_sdk::portal::is_plain_id(&spec.health.probe_id) {
        return err("health.probe_id: must be 1 to 64 letters, digits or hyphens".into());
    }
    Ok(())
}

fn check_kind(name: &str, spec: &Spec) -> Result<(), ConfigError> {
    let err = |m: &str| Err(ConfigError::new(name, m));
    match spec.kind {
        Kind::RestJson => {
            let Some(env) = &spec.envelope else {
                return err("envelope: a rest-json connector needs [envelope] (code, ok)");
            };
            non_empty(name, "envelope.code", &env.code)?;
            if env.ok.is_empty() || env.ok.iter().any(|c| c.trim().is_empty()) {
                return err("envelope.ok: list at least one success code, none empty");
            }
            if env.ok.iter().any(|c| env.codes.contains_key(c)) {
                return err("envelope.codes: a success code (envelope.ok) cannot also be an error");
            }
            match &spec.search.items {
                Some(p) => non_empty(name, "search.items", p)?,
                None => return err("search.items: a rest-json search names its records array"),
            }
            match &spec.detail.items {
                Some(p) => non_empty(name, "detail.items", p)?,
                None => return err("detail.items: a rest-json detail names where its record is"),
            }
        }
        Kind::PortalXml => {
            if spec.envelope.is_some() {
                return err(
                    "envelope: portal-xml uses the portal's own envelope; remove [envelope]",
                );
            }
            if spec.search.items.is_some() || spec.detail.items.is_some() {
                return err(
                    "search.items / detail.items: portal-xml records are always \
                     response.body.items.item; remove the key",
                );
            }
            if spec.search.key_in != ParamIn::Form {
                return err("search.key_in: a portal-xml back-end takes form parameters (`form`)");
            }
        }
    }
    Ok(())
}

fn check_paging(name: &str, spec: &Spec) -> Result<(), ConfigError> {
    let err = |m: String| Err(ConfigError::new(name, m));
    let key = |k: &str| format!("search.paging.{k}");
    let s = &spec.search;
    // Parameter names of a page request: each paging one must be new.
    let mut names: Vec<(String, String)> = vec![(s.key_param.clone(), "search.key_param".into())];
    names.extend(
        s.params
            .keys()
            .map(|k| (k.clone(), format!("search.params.{k}"))),
    );
    let mut param = |k: &str, v: &str| -> Result<(), ConfigError> {
        non_empty(name, &key(k), v)?;
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == v) {
            return Err(ConfigError::new(
                name,
                format!("{}: the parameter name is already {other}", key(k)),
            ));
        }
        names.push((v.to_string(), key(k)));
        Ok(())
    };
    let range = |k: &str, v: u32| -> Result<(), ConfigError> {
        if !(1..=1000).contains(&v) {
            return Err(ConfigError::new(
                name,
                format!("{}: must be 1 to 1000", key(k)),
            ));
        }
        Ok(())
    };
    if spec.kind == Kind::PortalXml && !matches!(s.paging, Paging::None | Paging::Page { .. }) {
        return err(
            "search.paging.type: portal-xml pages by page number (`page`) or not at all \
             (`none`); `offset` and `cursor` are for rest-json"
                .into(),
        );
    }
    match &s.paging {
        Paging::None => {}
        Paging::Page {
            page_param,
            size_param,
            size,
            max_pages,
            total,
        } => {
            param("page_param", page_param)?;
            param("size_param", size_param)?;
            range("size", *size)?;
            range("max_pages", *max_pages)?;
            match (spec.kind, total) {
                (Kind::RestJson, None) => {
                    return err(
                        "search.paging.total: a rest-json page paging names its total count".into(),
                    );
                }
                (Kind::PortalXml, Some(_)) => {
                    return err(
                        "search.paging.total: portal-xml reads the portal's totalCount; remove it"
                            .into(),
                    );
                }
                (_, Some(t)) => non_empty(name, &key("total"), t)?,
                _ => {}
            }
        }
        Paging::Offset {
            offset_param,
            limit_param,
            limit,
            max_pages,
            total,
        } => {
            param("offset_param", offset_param)?;
            param("limit_param", limit_param)?;
            range("limit", *limit)?;
            range("max_pages", *max_pages)?;
            if let Some(t) = total {
                non_empty(name, &key("total"), t)?;
            }
        }
        Paging::Cursor {
            cursor_param,
            next,
            size_param,
            size,
            max_pages,
        } => {
            param("cursor_param", cursor_param)?;
            non_empty(name, &key("next"), next)?;
            match (size_param, size) {
                (Some(p), Some(n)) => {
                    param("size_param", p)?;
                    range("size", *n)?;
                }
                (None, None) => {}
                (Some(_), None) | (None, Some(_)) => {
                    return err(
                        "search.paging.size: give size_param and size together, or neither".into(),
                    );
                }
            }
            range("max_pages", *max_pages)?;
        }
    }
    Ok(())
}

fn check_auth(name: &str, spec: &Spec) -> Result<(), ConfigError> {
    match &spec.auth {
        Auth::None => Ok(()),
        Auth::ServiceKey {
            name: param, value, ..
        } => {
            non_empty(name, "auth.name", param)?;
            secret(name, "auth.value", value.expose())
        }
        Auth::ApiKey { header, value } => {
            if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                return Err(ConfigError::new(
                    name,
                    "auth.header: not a valid header name",
                ));
            }
            secret(name, "auth.value", value.expose())
        }
        Auth::OAuth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope,
            client_auth: _,
        } => {
            let keys = ClientKeys {
                connector: name,
                prefix: "auth.",
            };
            keys.check_token_url(token_url, &spec.http)?;
            keys.check_client_id(client_id)?;
            keys.check_client_secret(client_secret.expose())?;
            if let Some(scope) = scope {
                non_empty(name, "auth.scope", scope)?;
                keys.check_scope(scope)?;
            }
            Ok(())
        }
    }
}

fn check_mapping(name: &str, spec: &Spec) -> Result<(), ConfigError> {
    let m = &spec.mapping;
    let err = |m: String| Err(ConfigError::new(name, m));
    non_empty(name, "mapping.id", &m.id)?;
    non_empty(name, "mapping.status", &m.status)?;
    if m.status_table.is_empty() {
        return err("mapping.status_table: map at least one status word".into());
    }
    if m.title.trim().is_empty() {
        return err("mapping.title: must not be empty".into());
    }
    crate::mapping::placeholders(&m.title)
        .map_err(|why| ConfigError::new(name, format!("mapping.title: {why}")))?;
    for (key, path) in [
        ("mapping.amount", &m.amount),
        ("mapping.opened", &m.opened),
        ("mapping.updated", &m.updated),
        ("mapping.due", &m.due),
        ("mapping.department", &m.department),
        ("mapping.contact", &m.contact),
    ] {
        if let Some(p) = path {
            non_empty(name, key, p)?;
        }
    }
    for (k, p) in &m.attributes {
        non_empty(name, &format!("mapping.attributes.{k}"), p)?;
        if m.personal.values().any(|pp| pp == p) {
            return err(format!(
                "mapping.attributes.{k}: the path is mapped as personal; an attribute is never personal"
            ));
        }
    }
    for (k, label) in &m.attribute_labels {
        if !m.attributes.contains_key(k) {
            let known: Vec<&str> = m.attributes.keys().map(String::as_str).collect();
            return err(format!(
                "mapping.attribute_labels.{k}: not an attribute of mapping.attributes (those are: {})",
                known.join(", ")
            ));
        }
        non_empty(name, &format!("mapping.attribute_labels.{k}"), label)?;
    }
    for p in m.personal.values() {
        non_empty(name, "mapping.personal", p)?;
    }
    if let Some(f) = &m.date_format
        && (f.trim().is_empty() || StrftimeItems::new(f).any(|i| matches!(i, Item::Error)))
    {
        return err("mapping.date_format: not a valid chrono date format".into());
    }
    Ok(())
}

fn check_path(name: &str, key: &str, path: &str) -> Result<(), ConfigError> {
    if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
        return Err(ConfigError::new(
            name,
            format!("{key}: must start with `/` and hold no `?`, `#` or spaces"),
        ));
    }
    Ok(())
}

fn non_empty(name: &str, key: &str, v: &str) -> Result<(), ConfigError> {
    if v.trim().is_empty() {
        return Err(ConfigError::new(name, format!("{key}: must not be empty")));
    }
    Ok(())
}

fn secret(name: &str, key: &str, v: &str) -> Result<(), ConfigError> {
    if v.trim().is_empty() {
        return Err(ConfigError::new(name, format!("{key}: must not be empty")));
    }
    Ok(())
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
