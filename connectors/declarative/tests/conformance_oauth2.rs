//! The SDK's conformance kit against a declarative table behind OAuth2 client credentials and
//! cursor paging (tests/support's back-end), exactly as against the `waste` example.

mod support;

use minwon_connector_declarative::DeclarativeConfig;
use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, Rrn};

struct Bulky;

#[async_trait::async_trait]
impl Target for Bulky {
    const NAME: &'static str = support::SOURCE;

    async fn start_simulator(population: Population) -> SimHandle {
        support::start(&population).await.0
    }

    fn config_toml(base_url: &str) -> String {
        support::table(
            base_url,
            &support::cursor_paging(2, 10),
            support::CLIENT_SECRET,
            "client_secret_basic",
        )
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        DeclarativeConfig::from_toml_str(support::SOURCE, config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            rrn: Rrn::parse(&citizen.rrn).ok(),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(Bulky);
