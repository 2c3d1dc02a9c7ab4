//! The SDK's conformance kit, run against the traffic simulator.

use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys};
use minwon_connector_traffic::TrafficConfig;

struct TrafficTarget;

#[async_trait::async_trait]
impl Target for TrafficTarget {
    const NAME: &'static str = minwon_connector_traffic::NAME;

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_traffic::sim::start(population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator binds a loopback port")
    }

    fn config_toml(base_url: &str) -> String {
        format!("base_url = \"{base_url}\"\n")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        TrafficConfig::from_toml_str(config)?.build()
    }

    /// Every plate of the citizen (none for a citizen without a car: no keys, not asked).
    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys::parse("", &citizen.vehicle_numbers, "").expect("synthetic plates are valid")
    }
}

minwon_connector_sdk::conformance_tests!(TrafficTarget);
