//! The SDK's conformance kit, run against the Saeol simulator.

use minwon_connector_saeol::SaeolConfig;
use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, Rrn};

struct SaeolTarget;

#[async_trait::async_trait]
impl Target for SaeolTarget {
    const NAME: &'static str = "saeol";

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_saeol::sim::start(population, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts")
    }

    fn config_toml(base_url: &str) -> String {
        format!(
            "base_url = \"{base_url}\"\ndepartment = \"민원여권과\"\norg_code = \"4157000000\"\n"
        )
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        SaeolConfig::from_toml_str(config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            rrn: Some(Rrn::parse(&citizen.rrn).expect("synthetic RRNs are valid")),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(SaeolTarget);
