//! The SDK's conformance kit, run against the welfare simulator.

use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, Rrn};
use minwon_connector_welfare::WelfareConfig;

struct WelfareTarget;

#[async_trait::async_trait]
impl Target for WelfareTarget {
    const NAME: &'static str = minwon_connector_welfare::NAME;

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_welfare::sim::start(population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator binds a loopback port")
    }

    fn config_toml(base_url: &str) -> String {
        format!("base_url = \"{base_url}\"\n")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        WelfareConfig::from_toml_str(config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            rrn: Some(Rrn::parse(&citizen.rrn).expect("synthetic RRNs are valid")),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(WelfareTarget);
