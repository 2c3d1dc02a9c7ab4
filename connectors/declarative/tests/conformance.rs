//! The SDK's conformance kit against a declarative config — the `waste` example served by the
//! template crate's simulator — exactly as against a crate connector.

use minwon_connector_declarative::{DeclarativeConfig, waste_table};
use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, Rrn};

struct Waste;

#[async_trait::async_trait]
impl Target for Waste {
    const NAME: &'static str = "waste";

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_template::sim::start_for("waste", population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator starts")
    }

    fn config_toml(base_url: &str) -> String {
        toml::to_string(&waste_table(base_url).expect("the example parses")).expect("serializes")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        DeclarativeConfig::from_toml_str("waste", config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            rrn: Rrn::parse(&citizen.rrn).ok(),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(Waste);
