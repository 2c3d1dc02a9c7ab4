//! Every rule of [`super::validate`], each error naming its key.

use crate::{DeclarativeConfig, waste_table};

/// The example table with `edit` applied, as TOML text.
fn edited(edit: impl FnOnce(&mut toml::Table)) -> String {
    let mut v = waste_table("https://waste.example.go.kr").unwrap();
    edit(v.as_table_mut().unwrap());
    toml::to_string(&v).unwrap()
}

fn sub<'a>(t: &'a mut toml::Table, key: &str) -> &'a mut toml::Table {
    t.get_mut(key).unwrap().as_table_mut().unwrap()
}

fn set(t: &mut toml::Table, key: &str, v: impl Into<toml::Value>) {
    t.insert(key.into(), v.into());
}

#[test]
fn the_example_is_valid() {
    let c = DeclarativeConfig::from_toml_str("waste", &edited(|_| {})).unwrap();
    assert_eq!(c.spec.department, "자원순환과");
}

#[test]
fn every_error_names_its_key() {
    type Edit = Box<dyn FnOnce(&mut toml::Table)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|t| set(t, "kind", "soap")), "kind"),
        (Box::new(|t| set(t, "base_urll", "https://x")), "base_urll"),
        (Box::new(|t| set(t, "base_url", "ftp://x")), "base_url"),
        (
            Box::new(|t| set(t, "base_url", "http://10.0.0.7")),
            "base_url",
        ),
        (Box::new(|t| set(t, "department", " ")), "department"),
        (Box::new(|t| set(t, "accepts", "passport")), "passport"),
        (
            Box::new(|t| set(sub(t, "search"), "key_in", "query")),
            "search.key_in",
        ),
        (
            Box::new(|t| set(sub(t, "search"), "key_in", "path")),
            "search.key_in",
        ),
        (
            Box::new(|t| set(sub(t, "search"), "method", "GET")),
            "search.method",
        ),
        (
            Box::new(|t| set(sub(t, "search"), "path", "api/x")),
            "search.path",
        ),
        (
            Box::new(|t| {
                sub(t, "search").remove("items");
            }),
            "search.items",
        ),
        (
            Box::new(|t| set(sub(t, "detail"), "id_in", "path")),
            "detail.path",
        ),
        (
            Box::new(|t| {
                t.remove("envelope");
            }),
            "envelope",
        ),
        (
            Box::new(|t| set(sub(t, "envelope"), "ok", toml::Value::Array(vec![]))),
            "envelope.ok",
        ),
        (
            Box::new(|t| set(sub(t, "mapping"), "title", "신고 ({items")),
            "mapping.title",
        ),
        (
            Box::new(|t| set(sub(t, "mapping"), "date_format", "%Q")),
            "mapping.date_format",
        ),
        (Box::new(|t| set(sub(t, "mapping"), "idd", "x")), "idd"),
        (
            Box::new(|t| {
                let m = sub(t, "mapping");
                let a = m.get_mut("attributes").unwrap().as_table_mut().unwrap();
                a.insert("who".into(), "applicantName".into());
            }),
            "mapping.attributes.who",
        ),
        (
            Box::new(|t| {
                let mut l = toml::Table::new();
                l.insert("ghost".into(), "유령".into());
                sub(t, "mapping").insert("attribute_labels".into(), l.into());
            }),
            "mapping.attribute_labels.ghost: not an attribute",
        ),
        (
            Box::new(|t| {
                let mut l = toml::Table::new();
                l.insert("collection_date".into(), " ".into());
                sub(t, "mapping").insert("attribute_labels".into(), l.into());
            }),
            "mapping.attribute_labels.collection_date: must not be empty",
        ),
        (
            Box::new(|t| {
                let mut p = toml::Table::new();
                p.insert("type".into(), "page".into());
                p.insert("page_param".into(), "pageNo".into());
                p.insert("size_param".into(), "numOfRows".into());
                p.insert("size".into(), 0.into());
                p.insert("max_pages".into(), 5.into());
                p.insert("total".into(), "total".into());
                set(sub(t, "search"), "paging", p);
            }),
            "search.paging.size",
        ),
        (
            Box::new(|t| {
                let mut a = toml::Table::new();
                a.insert("type".into(), "api_key".into());
                a.insert("header".into(), "bad header".into());
                a.insert("value".into(), "k-secret-1".into());
                set(t, "auth", a);
            }),
            "auth.header",
        ),
        (
            Box::new(|t| set(sub(t, "health"), "probe_id", "a b")),
            "health.probe_id",
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
fn portal_xml_tables_use_the_portals_envelope() {
    let text = edited(|t| set(t, "kind", "portal-xml"));
    let e = DeclarativeConfig::from_toml_str("waste", &text).unwrap_err();
    assert!(e.to_string().contains("envelope"), "{e}");
    let text = edited(|t| {
        set(t, "kind", "portal-xml");
        t.remove("envelope");
        sub(t, "search").remove("items");
        sub(t, "detail").remove("items");
        set(sub(t, "search"), "key_in", "form");
        set(sub(t, "detail"), "id_in", "form");
    });
    DeclarativeConfig::from_toml_str("waste", &text).unwrap();
}

#[path = "validate_auth_paging_tests.rs"]
mod auth_paging;
