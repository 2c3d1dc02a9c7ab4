//! The conformance kit: the behaviour every connector must show against its simulator.
//!
//! A connector opts in with one test file:
//!
//! ```ignore
//! struct Saeol;
//! #[async_trait::async_trait]
//! impl minwon_connector_sdk::conformance::Target for Saeol { /* … */ }
//! minwon_connector_sdk::conformance_tests!(Saeol);
//! ```
//!
//! Each case is its own `#[tokio::test]`, starting its own simulator on a free loopback port:
//! happy path, not found, back-end 5xx, error inside an HTTP 200 body, malformed body, slow
//! back-end (within and past the deadline), hanging back-end, health check up and down, config
//! with an unknown field rejected, a wrong base URL (bare 404) unhealthy, and no personal data
//! in any error's text.

use crate::config::ConfigError;
use crate::connector::{BuiltConnector, CallContext};
use crate::error::{ConnectorError, ErrorKind};
use crate::keys::CitizenKeys;
use crate::sim::{Fault, FaultMode, Population, SimHandle, SynthCitizen, set_fault};
use std::time::Duration;

/// What the kit needs to know about one connector.
#[async_trait::async_trait]
pub trait Target: Send + Sync + 'static {
    /// Registry name, e.g. `saeol`; every case must carry it as `source`.
    const NAME: &'static str;

    /// Starts the simulator for `population` on a free loopback port.
    async fn start_simulator(population: Population) -> SimHandle;

    /// A valid config table (TOML text) for the connector, pointing at `base_url`.
    fn config_toml(base_url: &str) -> String;

    /// Builds the connector from a config table.
    fn build(config: &str) -> Result<BuiltConnector, ConfigError>;

    /// The keys of `citizen` this source answers from.
    fn keys_for(citizen: &SynthCitizen) -> CitizenKeys;
}

/// Budget for calls that should succeed.
pub const NORMAL_BUDGET: Duration = Duration::from_secs(5);

/// A simulator and the connector built against it.
pub struct Fixture {
    /// The population the simulator serves.
    pub population: Population,
    /// The running simulator.
    pub sim: SimHandle,
    /// The connector under test.
    pub built: BuiltConnector,
}

impl Fixture {
    /// Starts the simulator and builds the connector.
    pub async fn start<T: Target>() -> Fixture {
        let population = Population::default_demo();
        let sim = T::start_simulator(population.clone()).await;
        let built = T::build(&T::config_toml(&sim.base_url())).expect("valid config builds");
        Fixture {
            population,
            sim,
            built,
        }
    }

    /// A citizen with records in this source.
    pub fn known<T: Target>(&self) -> &SynthCitizen {
        self.population
            .citizens()
            .iter()
            .find(|c| self.population.has_records(c, T::NAME) && !T::keys_for(c).is_empty())
            .expect("the population has citizens with records")
    }

    /// A citizen (with valid keys for this source) who has no records in it.
    pub fn unknown<T: Target>(&self) -> &SynthCitizen {
        self.population
            .citizens()
            .iter()
            .find(|c| !self.population.has_records(c, T::NAME) && !T::keys_for(c).is_empty())
            .expect("the population has citizens without records")
    }

    /// Sets the simulator's fault switch over HTTP.
    pub async fn fault(&self, mode: FaultMode, delay_ms: u64) {
        set_fault(&self.sim.base_url(), Fault { mode, delay_ms })
            .await
            .expect("fault switch answers");
    }

    /// Fetches the known citizen's cases with `budget`.
    pub async fn fetch_known<T: Target>(
        &self,
        budget: Duration,
    ) -> Result<Vec<crate::Case>, ConnectorError> {
        let keys = T::keys_for(self.known::<T>());
        self.built
            .connector
            .fetch_cases(&keys, &CallContext::with_budget(budget))
            .await
    }
}

/// Asserts an error's text carries none of the citizen's personal values.
pub fn assert_no_personal_data(err: &ConnectorError, citizen: &SynthCitizen) {
    let text = format!("{err} {err:?}");
    let mut values = vec![
        citizen.rrn.clone(),
        citizen.rrn.replace('-', ""),
        citizen.name.clone(),
        citizen.phone.clone(),
        citizen.address.clone(),
        citizen.water_customer_no.clone(),
    ];
    values.extend(citizen.vehicle_numbers.iter().cloned());
    for v in values {
        assert!(
            !text.contains(&v),
            "error text leaks a personal value: {text}"
        );
    }
}

/// The cases, each callable alone; [`crate::conformance_tests!`] makes one test of each.
pub mod cases {
    use super::*;

    /// Known citizen: cases returned, each tagged with the source, each retrievable by id, each
    /// attribute key labelled in the descriptor.
    pub async fn happy_path<T: Target>() {
        let fx = Fixture::start::<T>().await;
        let cases = fx
            .fetch_known::<T>(NORMAL_BUDGET)
            .await
            .expect("known citizen answers");
        assert!(!cases.is_empty(), "a citizen with records gets cases");
        for c in &cases {
            assert_eq!(c.source, T::NAME);
            assert!(!c.native_id.is_empty(), "every case has a native id");
            assert!(!c.title.is_empty(), "every case has a title");
            assert!(
                !c.source_status.is_empty(),
                "the source's own status is kept"
            );
        }
        let first = &cases[0];
        let one = fx
            .built
            .connector
            .get_case(&first.native_id, &CallContext::with_budget(NORMAL_BUDGET))
            .await
            .expect("get_case finds a listed case");
        assert_eq!(one.native_id, first.native_id);
        assert_eq!(one.status, first.status);
        // A front-end shows each attribute by its label: the connector names every key it sets.
        let labels = &fx.built.connector.descriptor().attribute_labels;
        for c in cases.iter().chain([&one]) {
            for k in c.attributes.keys() {
                assert!(
                    labels.get(k).is_some_and(|l| !l.trim().is_empty()),
                    "{}: attribute `{k}` has no label in the descriptor's attribute_labels",
                    T::NAME
                );
            }
        }
    }

    /// Citizen without records: an empty list or NotFound, never an error of another kind.
    pub async fn not_found<T: Target>() {
        let fx = Fixture::start::<T>().await;
        let keys = T::keys_for(fx.unknown::<T>());
        match fx
            .built
            .connector
            .fetch_cases(&keys, &CallContext::with_budget(NORMAL_BUDGET))
            .await
        {
            Ok(cases) => assert!(cases.is_empty(), "no records means no cases"),
            Err(e) => assert_eq!(e.kind, ErrorKind::NotFound, "{e}"),
        }
        let e = fx
            .built
            .connector
            .get_case("000000000000", &CallContext::with_budget(NORMAL_BUDGET))
            .await
            .expect_err("an unknown case id is not found");
        assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    }

    /// HTTP 500 from the back-end: Unavailable.
    pub async fn backend_5xx<T: Target>() {
        let fx = Fixture::start::<T>().await;
        fx.fault(FaultMode::Http500, 0).await;
        let e = fx
            .fetch_known::<T>(NORMAL_BUDGET)
            .await
            .expect_err("5xx is an error");
        assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
        assert_no_personal_data(&e, fx.known::<T>());
    }

    /// The protocol's own error inside HTTP 200: classified, and counted as a failure.
    pub async fn error_inside_http_200<T: Target>() {
        let fx = Fixture::start::<T>().await;
        fx.fault(FaultMode::EnvelopeError, 0).await;
        let e = fx
            .fetch_known::<T>(NORMAL_BUDGET)
            .await
            .expect_err("in-band error is an error");
        assert!(
            e.kind.counts_as_failure(),
            "in-band back-end error must count as failure: {e}"
        );
        assert_ne!(
            e.kind,
            ErrorKind::BadResponse,
            "a well-formed error is classified, not 'bad response': {e}"
        );
        assert_no_personal_data(&e, fx.known::<T>());
    }

    /// A body that does not parse: BadResponse.
    pub async fn malformed_body<T: Target>() {
        let fx = Fixture::start::<T>().await;
        fx.fault(FaultMode::Malformed, 0).await;
        let e = fx
            .fetch_known::<T>(NORMAL_BUDGET)
            .await
            .expect_err("garbage is an error");
        assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
        assert_no_personal_data(&e, fx.known::<T>());
    }

    /// Slow within the deadline: still OK. Slower than the deadline: Timeout.
    pub async fn slow_backend<T: Target>() {
        let fx = Fixture::start::<T>().await;
        fx.fault(FaultMode::Slow, 100).await;
        fx.fetch_known::<T>(NORMAL_BUDGET)
            .await
            .expect("slow but within the deadline");
        fx.fault(FaultMode::Slow, 3_000).await;
        let e = fx
            .fetch_known::<T>(Duration::from_millis(300))
            .await
            .expect_err("slower than the deadline");
        assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
        assert_no_personal_data(&e, fx.known::<T>());
    }

    /// A back-end that never answers: Timeout at the deadline.
    pub async fn hanging_backend<T: Target>() {
        let fx = Fixture::start::<T>().await;
        fx.fault(FaultMode::Hang, 0).await;
        let e = fx
            .fetch_known::<T>(Duration::from_millis(300))
            .await
            .expect_err("hang ends at the deadline");
        assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    }

    /// Health check: up when healthy; down on 5xx; down when the back-end is gone.
    pub async fn health_check<T: Target>() {
        let fx = Fixture::start::<T>().await;
        let ctx = || CallContext::with_budget(Duration::from_secs(2));
        fx.built
            .health
            .check(&ctx())
            .await
            .expect("healthy back-end is up");
        fx.fault(FaultMode::Http500, 0).await;
        assert!(
            fx.built.health.check(&ctx()).await.is_err(),
            "5xx back-end is down"
        );
        fx.fault(FaultMode::None, 0).await;
        fx.built
            .health
            .check(&ctx())
            .await
            .expect("recovered back-end is up");
        let Fixture { sim, built, .. } = fx;
        sim.shutdown().await;
        let e = built
            .health
            .check(&ctx())
            .await
            .expect_err("stopped back-end is down");
        assert!(
            matches!(e.kind, ErrorKind::Unavailable | ErrorKind::Timeout),
            "{e}"
        );
    }

    /// A wrong base URL — the server answers a bare HTTP 404, no envelope — is unhealthy:
    /// a 404 from a path that serves nothing is not the back-end's "no such record".
    pub async fn wrong_base_url_unhealthy<T: Target>() {
        let fx = Fixture::start::<T>().await;
        let wrong = format!("{}/no-such-service", fx.sim.base_url());
        let built = T::build(&T::config_toml(&wrong)).expect("valid config builds");
        let e = built
            .health
            .check(&CallContext::with_budget(Duration::from_secs(2)))
            .await
            .expect_err("a base URL answering a bare 404 is down");
        assert!(
            !matches!(e.kind, ErrorKind::NotFound),
            "a bare 404 is not NotFound: {e}"
        );
    }

    /// A config table with a misspelt key is rejected, naming the key.
    pub async fn unknown_config_field_rejected<T: Target>() {
        let toml = format!(
            "{}\nbase_urll = \"http://x\"\n",
            T::config_toml("http://127.0.0.1:9")
        );
        let err = match T::build(&toml) {
            Ok(_) => panic!("a config with an unknown field must be rejected"),
            Err(e) => e,
        };
        assert!(
            err.to_string().contains("base_urll"),
            "the error names the key: {err}"
        );
    }

    /// No error text, for any fault, carries the citizen's personal values.
    pub async fn no_personal_data_in_errors<T: Target>() {
        let fx = Fixture::start::<T>().await;
        for mode in [
            FaultMode::Http500,
            FaultMode::EnvelopeError,
            FaultMode::Malformed,
        ] {
            fx.fault(mode, 0).await;
            if let Err(e) = fx.fetch_known::<T>(NORMAL_BUDGET).await {
                assert_no_personal_data(&e, fx.known::<T>());
            }
        }
        fx.fault(FaultMode::None, 0).await;
        let keys = T::keys_for(fx.unknown::<T>());
        if let Err(e) = fx
            .built
            .connector
            .fetch_cases(&keys, &CallContext::with_budget(NORMAL_BUDGET))
            .await
        {
            assert_no_personal_data(&e, fx.unknown::<T>());
        }
    }
}

/// Generates one `#[tokio::test]` per conformance case for a [`Target`].
#[macro_export]
macro_rules! conformance_tests {
    ($target:ty) => {
        mod conformance {
            use super::*;
            use $crate::conformance::cases;
            #[tokio::test]
            async fn happy_path() {
                cases::happy_path::<$target>().await
            }
            #[tokio::test]
            async fn not_found() {
                cases::not_found::<$target>().await
            }
            #[tokio::test]
            async fn backend_5xx() {
                cases::backend_5xx::<$target>().await
            }
            #[tokio::test]
            async fn error_inside_http_200() {
                cases::error_inside_http_200::<$target>().await
            }
            #[tokio::test]
            async fn malformed_body() {
                cases::malformed_body::<$target>().await
            }
            #[tokio::test]
            async fn slow_backend() {
                cases::slow_backend::<$target>().await
            }
            #[tokio::test]
            async fn hanging_backend() {
                cases::hanging_backend::<$target>().await
            }
            #[tokio::test]
            async fn health_check() {
                cases::health_check::<$target>().await
            }
            #[tokio::test]
            async fn wrong_base_url_unhealthy() {
                cases::wrong_base_url_unhealthy::<$target>().await
            }
            #[tokio::test]
            async fn unknown_config_field_rejected() {
                cases::unknown_config_field_rejected::<$target>().await
            }
            #[tokio::test]
            async fn no_personal_data_in_errors() {
                cases::no_personal_data_in_errors::<$target>().await
            }
        }
    };
}
