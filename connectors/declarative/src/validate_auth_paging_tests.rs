//! The rules of OAuth2 authentication and of offset and cursor paging, each error naming its
//! key (and never the client secret).

use super::{edited, set, sub};
use crate::DeclarativeConfig;

/// An `oauth2_client_credentials` auth table, `edit` applied.
fn oauth2(edit: impl FnOnce(&mut toml::Table)) -> impl FnOnce(&mut toml::Table) {
    move |t| {
        let mut a = toml::Table::new();
        a.insert("type".into(), "oauth2_client_credentials".into());
        a.insert(
            "token_url".into(),
            "https://auth.example.go.kr/token".into(),
        );
        a.insert("client_id".into(), "minwon-hub".into());
        a.insert("client_secret".into(), "k-secret-1".into());
        a.insert("scope".into(), "waste.read".into());
        edit(&mut a);
        set(t, "auth", a);
    }
}

/// A `search.paging` table of `kind` with `pairs`, replacing the example's.
fn paging(kind: &str, pairs: &[(&str, toml::Value)]) -> impl FnOnce(&mut toml::Table) + use<> {
    let mut p = toml::Table::new();
    p.insert("type".into(), kind.into());
    for (k, v) in pairs {
        p.insert((*k).into(), v.clone());
    }
    move |t| set(sub(t, "search"), "paging", p)
}

fn offset_pairs() -> Vec<(&'static str, toml::Value)> {
    vec![
        ("offset_param", "offset".into()),
        ("limit_param", "limit".into()),
        ("limit", 50.into()),
        ("max_pages", 20.into()),
    ]
}

fn cursor_pairs() -> Vec<(&'static str, toml::Value)> {
    vec![
        ("cursor_param", "cursor".into()),
        ("next", "paging.next".into()),
        ("size_param", "size".into()),
        ("size", 50.into()),
        ("max_pages", 20.into()),
    ]
}

/// `pairs` with `key` replaced by `v` (or removed when `None`).
fn with(
    mut pairs: Vec<(&'static str, toml::Value)>,
    key: &'static str,
    v: Option<toml::Value>,
) -> Vec<(&'static str, toml::Value)> {
    pairs.retain(|(k, _)| *k != key);
    if let Some(v) = v {
        pairs.push((key, v));
    }
    pairs
}

#[test]
fn oauth2_and_offset_and_cursor_tables_are_valid() {
    for edit in [
        Box::new(oauth2(|_| {})) as Box<dyn FnOnce(&mut toml::Table)>,
        Box::new(oauth2(|a| {
            a.remove("scope");
            a.insert("client_auth".into(), "client_secret_post".into());
            a.insert("token_url".into(), "http://127.0.0.1:8080/token".into());
        })),
        Box::new(paging("offset", &offset_pairs())),
        Box::new(paging(
            "offset",
            &with(offset_pairs(), "total", Some("total".into())),
        )),
        Box::new(paging("cursor", &cursor_pairs())),
        Box::new(paging(
            "cursor",
            &with(with(cursor_pairs(), "size", None), "size_param", None),
        )),
    ] {
        DeclarativeConfig::from_toml_str("waste", &edited(edit)).unwrap();
    }
    let c = DeclarativeConfig::from_toml_str("waste", &edited(oauth2(|_| {}))).unwrap();
    let crate::spec::Auth::OAuth2ClientCredentials { client_auth, .. } = c.spec.auth else {
        panic!("oauth2 auth")
    };
    assert_eq!(
        client_auth,
        minwon_connector_sdk::oauth2::TokenAuth::ClientSecretBasic,
        "HTTP Basic is the default"
    );
    assert!(!format!("{c:?}").contains("k-secret-1"));
}

#[test]
fn every_oauth2_and_paging_error_names_its_key() {
    type Edit = Box<dyn FnOnce(&mut toml::Table)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(oauth2(|a| set(a, "token_url", "/token"))),
            "auth.token_url",
        ),
        (
            Box::new(oauth2(|a| set(a, "token_url", "http://10.0.0.7/token"))),
            "auth.token_url",
        ),
        (
            Box::new(oauth2(|a| set(a, "client_id", " "))),
            "auth.client_id",
        ),
        (
            Box::new(oauth2(|a| set(a, "client_secret", ""))),
            "auth.client_secret",
        ),
        (
            Box::new(oauth2(|a| set(a, "client_secret", "k-secret-1\n"))),
            "auth.client_secret",
        ),
        (Box::new(oauth2(|a| set(a, "scope", ""))), "auth.scope"),
        (Box::new(oauth2(|a| set(a, "scope", "a\"b"))), "auth.scope"),
        (Box::new(oauth2(|a| set(a, "client_auth", "jwt"))), "jwt"),
        (
            Box::new(oauth2(|a| {
                a.remove("client_secret");
            })),
            "client_secret",
        ),
        (
            Box::new(oauth2(|a| set(a, "token_urll", "x"))),
            "token_urll",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "limit", Some(0.into())),
            )),
            "search.paging.limit",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "max_pages", Some(1001.into())),
            )),
            "search.paging.max_pages",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "offset_param", Some(" ".into())),
            )),
            "search.paging.offset_param",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "limit_param", Some("rrn".into())),
            )),
            "search.paging.limit_param",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "limit_param", Some("offset".into())),
            )),
            "search.paging.limit_param",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "total", Some("".into())),
            )),
            "search.paging.total",
        ),
        (
            Box::new(paging(
                "offset",
                &with(offset_pairs(), "size", Some(5.into())),
            )),
            "size",
        ),
        (
            Box::new(paging(
                "cursor",
                &with(cursor_pairs(), "cursor_param", Some("rrn".into())),
            )),
            "search.paging.cursor_param",
        ),
        (
            Box::new(paging(
                "cursor",
                &with(cursor_pairs(), "next", Some("".into())),
            )),
            "search.paging.next",
        ),
        (
            Box::new(paging("cursor", &with(cursor_pairs(), "size_param", None))),
            "search.paging.size",
        ),
        (
            Box::new(paging(
                "cursor",
                &with(cursor_pairs(), "size", Some(0.into())),
            )),
            "search.paging.size",
        ),
        (
            Box::new(paging("cursor", &with(cursor_pairs(), "max_pages", None))),
            "max_pages",
        ),
        (
            Box::new(paging(
                "cursor",
                &with(cursor_pairs(), "total", Some("t".into())),
            )),
            "total",
        ),
        (
            Box::new(paging(
                "page",
                &[
                    ("page_param", "pageNo".into()),
                    ("size_param", "rrn".into()),
                    ("size", 10.into()),
                    ("max_pages", 5.into()),
                    ("total", "total".into()),
                ],
            )),
            "search.paging.size_param",
        ),
    ];
    for (edit, key) in cases {
        let text = edited(edit);
        let e = DeclarativeConfig::from_toml_str("waste", &text).unwrap_err();
        assert!(e.to_string().contains(key), "{key}: {e}");
        assert!(!e.to_string().contains("k-secret-1"), "{e}");
    }
}

#[test]
fn a_plaintext_token_url_to_another_host_needs_allow_plaintext() {
    let text = edited(|t| {
        oauth2(|a| set(a, "token_url", "http://auth.example.go.kr/token"))(t);
        let mut http = toml::Table::new();
        http.insert("allow_plaintext".into(), true.into());
        set(t, "http", http);
    });
    DeclarativeConfig::from_toml_str("waste", &text).unwrap();
}

#[test]
fn portal_xml_accepts_only_page_paging_and_says_so() {
    let portal = |t: &mut toml::Table| {
        set(t, "kind", "portal-xml");
        t.remove("envelope");
        sub(t, "search").remove("items");
        sub(t, "detail").remove("items");
        set(sub(t, "search"), "key_in", "form");
        set(sub(t, "detail"), "id_in", "form");
    };
    for (kind, pairs) in [("offset", offset_pairs()), ("cursor", cursor_pairs())] {
        let text = edited(|t| {
            portal(t);
            paging(kind, &pairs)(t);
        });
        let e = DeclarativeConfig::from_toml_str("waste", &text).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("search.paging.type") && m.contains("`page`"),
            "{m}"
        );
        assert!(m.contains("rest-json"), "{m}");
    }
    let text = edited(|t| {
        portal(t);
        paging(
            "page",
            &[
                ("page_param", "pageNo".into()),
                ("size_param", "numOfRows".into()),
                ("size", 10.into()),
                ("max_pages", 5.into()),
            ],
        )(t);
    });
    DeclarativeConfig::from_toml_str("waste", &text).unwrap();
}
