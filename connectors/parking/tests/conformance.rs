//! The SDK's conformance kit, run against the parking simulator.

use minwon_connector_parking::ParkingConfig;
use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, VehicleNumber};

struct ParkingTarget;

#[async_trait::async_trait]
impl Target for ParkingTarget {
    const NAME: &'static str = minwon_connector_parking::NAME;

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_parking::sim::start(population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator binds a loopback port")
    }

    fn config_toml(base_url: &str) -> String {
        format!("base_url = \"{base_url}\"\n")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        ParkingConfig::from_toml_str(config)?.build()
    }

    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            vehicle_numbers: citizen
                .vehicle_numbers
                .iter()
                .map(|v| VehicleNumber::parse(v).expect("synthetic plates are valid"))
                .collect(),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(ParkingTarget);
