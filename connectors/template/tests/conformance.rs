//! The SDK's conformance kit, run against the template's simulator: eleven cases, one line.

use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::conformance::Target;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{BuiltConnector, CitizenKeys, Rrn};
use minwon_connector_template::TemplateConfig;

// RENAME: the crate, config type and target name.
struct TemplateTarget;

#[async_trait::async_trait]
impl Target for TemplateTarget {
    const NAME: &'static str = minwon_connector_template::NAME;

    async fn start_simulator(population: Population) -> SimHandle {
        minwon_connector_template::sim::start(population, ([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator binds a loopback port")
    }

    fn config_toml(base_url: &str) -> String {
        format!("base_url = \"{base_url}\"\n")
    }

    fn build(config: &str) -> Result<BuiltConnector, ConfigError> {
        TemplateConfig::from_toml_str(config)?.build()
    }

    // RENAME: the key this source answers from.
    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys {
        CitizenKeys {
            rrn: Some(Rrn::parse(&citizen.rrn).expect("synthetic RRNs are valid")),
            ..CitizenKeys::default()
        }
    }
}

minwon_connector_sdk::conformance_tests!(TemplateTarget);
