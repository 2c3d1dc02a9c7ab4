//! The routing table and its rules.

use super::*;

fn dir() -> &'static Directory {
    Directory::builtin()
}

fn routed(address: &str) -> Option<(&'static str, MatchKind, &'static str)> {
    dir()
        .route(address)
        .map(|r| (r.office.name.as_str(), r.kind, r.matched))
}

const FOURTEEN: [&str; 14] = [
    "통진읍",
    "고촌읍",
    "양촌읍",
    "대곶면",
    "월곶면",
    "하성면",
    "김포본동",
    "장기본동",
    "사우동",
    "풍무동",
    "장기동",
    "구래동",
    "마산동",
    "운양동",
];

#[test]
fn the_table_has_gimpos_fourteen_offices_all_marked_sample() {
    let names: Vec<&str> = dir().offices().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, FOURTEEN);
    assert_eq!(
        minwon_connector_sdk::sim::synth::GIMPO_DISTRICTS,
        FOURTEEN,
        "the simulators' districts are the directory's offices"
    );
    assert!(dir().offices().iter().all(|o| o.sample));
}

#[test]
fn every_office_is_reachable_by_its_dong_name_and_by_a_road_name() {
    for o in dir().offices() {
        assert_eq!(
            routed(&format!("경기도 김포시 {} 123-4", o.name)),
            Some((
                o.name.as_str(),
                MatchKind::AdministrativeDong,
                o.name.as_str()
            )),
            "{}",
            o.name
        );
        assert!(!o.roads.is_empty(), "{} has no road", o.name);
        for road in &o.roads {
            assert_eq!(
                routed(&format!("경기도 김포시 {road} 45")),
                Some((o.name.as_str(), MatchKind::RoadName, road.as_str())),
                "{road}"
            );
        }
    }
}

#[test]
fn legal_dongs_and_ri_route_to_their_office() {
    assert_eq!(
        routed("김포시 마송리 312-4"),
        Some(("통진읍", MatchKind::LegalDong, "마송리"))
    );
    assert_eq!(
        routed("경기 김포시 북변동 100"),
        Some(("김포본동", MatchKind::LegalDong, "북변동"))
    );
    for o in dir().offices() {
        for l in o.legal_dongs.iter().filter(|l| **l != o.name) {
            assert_eq!(
                routed(&format!("김포시 {l} 1")).map(|r| r.0),
                Some(o.name.as_str())
            );
        }
    }
}

#[test]
fn the_office_named_in_the_address_wins_over_road_and_ri() {
    // The simulators write a district with any ri; the named office decides.
    assert_eq!(
        routed("경기도 김포시 하성면 마송리 5-1"),
        Some(("하성면", MatchKind::AdministrativeDong, "하성면"))
    );
    // A road address repeats its dong in parentheses.
    assert_eq!(
        routed("경기도 김포시 김포대로 12 (풍무동)"),
        Some(("풍무동", MatchKind::AdministrativeDong, "풍무동"))
    );
    assert_eq!(
        routed("김포시 사우중로 1, 풍무동"),
        Some(("풍무동", MatchKind::AdministrativeDong, "풍무동"))
    );
}

#[test]
fn numbered_side_streets_belong_to_their_road() {
    assert_eq!(
        routed("경기도 김포시 사우중로87번길 12"),
        Some(("사우동", MatchKind::RoadName, "사우중로"))
    );
    assert_eq!(
        routed("김포시 태장로12길 3"),
        Some(("장기동", MatchKind::RoadName, "태장로"))
    );
    // A road whose own name has a number is not cut.
    assert_eq!(
        routed("김포시 김포한강10로 5"),
        Some(("구래동", MatchKind::RoadName, "김포한강10로"))
    );
}

#[test]
fn roads_across_several_offices_and_other_cities_match_nothing() {
    assert_eq!(routed("경기도 김포시 김포대로 100"), None);
    assert_eq!(routed("서울특별시 강서구 사우동 1"), None);
    assert_eq!(routed("인천광역시 서구 풍무로 1"), None);
    assert_eq!(routed(""), None);
    assert_eq!(routed(&"사우동 ".repeat(51)), None, "over 200 characters");
}

#[test]
fn a_table_naming_one_word_under_two_offices_is_refused() {
    let t = r#"
[[office]]
name = "사우동"
kind = "동"
phone = "1"
address = "a"
hours = "h"
sample = true
legal_dongs = []
roads = ["풍무로"]

[[office]]
name = "풍무동"
kind = "동"
phone = "1"
address = "a"
hours = "h"
sample = true
legal_dongs = []
roads = ["풍무로"]
"#;
    assert_eq!(
        Directory::from_toml(t).unwrap_err(),
        DirectoryError::Duplicate("풍무로".into(), "사우동".into(), "풍무동".into())
    );
    let bad_kind = t.replacen("kind = \"동\"", "kind = \"읍\"", 1);
    assert!(matches!(
        Directory::from_toml(&bad_kind),
        Err(DirectoryError::Invalid(..))
    ));
    assert!(matches!(
        Directory::from_toml("office = 3"),
        Err(DirectoryError::Parse(_))
    ));
}
