//! The SDK's conformance kit, run against the water billing simulator.

use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, WaterCustomerNo};
use minwon_connector_water::WaterConfig;

struct WaterTarget;

#[async_trait::async_trait]
impl Target for WaterTarget {
    const NAME: &'static str = minwon_connector_water::NAME;

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_water::sim::start(population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator binds a loopback port")
    }

    fn config_toml(base_url: &str) -> String {
        format!("base_url = \"{base_url}\"\n")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        WaterConfig::from_toml_str(config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            water_customer_no: Some(
                WaterCustomerNo::parse(&citizen.water_customer_no)
                    .expect("synthetic customer numbers are valid"),
            ),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(WaterTarget);
