//! The example Keycloak realm (`deploy/keycloak/minwon-realm.json`) fits what the hub reads:
//! its realm roles are exactly the hub's staff roles, every client adds the `minwon-hub`
//! audience and a `channel` the hub knows, officers carry a `dept`, and a token shaped as the
//! realm issues it is accepted by an issuer configured as `deploy/README.md` shows.

use super::*;
use minwon_hub::access::auth::{Channel, Role};

fn realm() -> serde_json::Value {
    serde_json::from_str(&read(&repo().join("deploy/keycloak/minwon-realm.json")))
        .expect("the realm is JSON")
}

#[test]
fn the_example_realm_speaks_the_hubs_roles_channels_and_audience() {
    let r = realm();
    let mut roles: Vec<&str> = r["roles"]["realm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    roles.sort();
    let mut hub: Vec<&str> = Role::ALL
        .iter()
        .filter(|x| **x != Role::Citizen)
        .map(|x| x.as_str())
        .collect();
    hub.sort();
    assert_eq!(
        roles, hub,
        "realm roles are the hub's staff roles, no citizen"
    );
    for c in r["clients"].as_array().unwrap() {
        let id = c["clientId"].as_str().unwrap();
        let mappers = c["protocolMappers"].as_array().unwrap();
        assert!(
            mappers
                .iter()
                .any(|m| m["protocolMapper"] == "oidc-audience-mapper"
                    && m["config"]["included.custom.audience"] == "minwon-hub"),
            "{id}: audience minwon-hub"
        );
        let channel = mappers
            .iter()
            .find(|m| m["config"]["claim.name"] == "channel")
            .and_then(|m| m["config"]["claim.value"].as_str())
            .unwrap_or_else(|| panic!("{id}: a channel claim"));
        assert!(Channel::parse(channel).is_some(), "{id}: channel {channel}");
        let lifespan: u64 = c["attributes"]["access.token.lifespan"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(lifespan <= 12 * 3600, "{id}: within the hub's 12 h maximum");
    }
    for u in r["users"].as_array().unwrap() {
        let user_roles = u["realmRoles"].as_array().unwrap();
        assert_eq!(user_roles.len(), 1, "exactly one hub role per user");
        if user_roles[0] == "officer" {
            assert!(
                u["attributes"]["dept"][0].is_string(),
                "officers carry a dept"
            );
        }
    }
}
