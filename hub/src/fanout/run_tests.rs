//! The fan-out's own guarantees, with in-process connectors: every planned source ends in
//! one outcome, a connector that panics is an `Error` outcome beside the others' answers, and
//! dropping the stream (the caller went away) frees the sources' bulkhead slots.

use super::*;
use crate::fanout::registry::Registered;
use crate::fanout::resilience::Guard;
use crate::fanout::resilience::settings::ConnectorSettings;
use minwon_connector_sdk::{Case, ConnectorError, Descriptor, HealthCheck, KeyKind, PersonalField};
use std::collections::BTreeMap;

/// What a test connector does when called.
#[derive(Clone, Copy)]
enum Act {
    Empty,
    Panic,
    Hang,
}

struct Test {
    descriptor: Descriptor,
    act: Act,
}

#[async_trait::async_trait]
impl minwon_connector_sdk::Connector for Test {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }
    async fn fetch_cases(
        &self,
        _keys: &CitizenKeys,
        _ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        match self.act {
            Act::Empty => Ok(vec![]),
            Act::Panic => panic!("a connector bug"),
            Act::Hang => std::future::pending().await,
        }
    }
    async fn get_case(&self, _id: &str, _ctx: &CallContext) -> Result<Case, ConnectorError> {
        Err(ConnectorError::bad_response("not used"))
    }
}

struct Up;

#[async_trait::async_trait]
impl HealthCheck for Up {
    async fn check(&self, _ctx: &CallContext) -> Result<(), ConnectorError> {
        Ok(())
    }
}

fn planned(name: &str, act: Act, guard: Arc<Guard>) -> Planned {
    let descriptor = Descriptor {
        name: name.to_string(),
        department: "시험과".to_string(),
        kind: "test".to_string(),
        base_url: "test://".to_string(),
        accepts: vec![KeyKind::Rrn],
        personal_fields: PersonalField::ALL.to_vec(),
        attribute_labels: Default::default(),
    };
    Planned {
        target: Registered {
            connector: Arc::new(Test { descriptor, act }),
            health: Arc::new(Up),
            guard,
        },
        access: Arc::new(SourceAccess {
            allowed: true,
            fields: BTreeMap::new(),
            reason: "test".to_string(),
        }),
    }
}

fn keys() -> CitizenKeys {
    CitizenKeys::parse("900101-1234567", &[], "").expect("a valid test RRN")
}

fn guard(name: &str) -> Arc<Guard> {
    Arc::new(Guard::new(name, ConnectorSettings::default()))
}

#[tokio::test]
async fn a_panicking_connector_is_an_error_outcome_beside_the_others() {
    use futures::StreamExt;
    let calls = vec![
        planned("ok", Act::Empty, guard("ok")),
        planned("buggy", Act::Panic, guard("buggy")),
    ];
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut outcomes: Vec<SourceOutcome> = run(calls, keys(), deadline, None).collect().await;
    outcomes.sort_by(|a, b| a.source.cmp(&b.source));
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].source, "buggy");
    assert_eq!(outcomes[0].state, SourceState::Error);
    assert_eq!(outcomes[0].detail, "connector panicked");
    assert_eq!(outcomes[1].source, "ok");
    assert_eq!(outcomes[1].state, SourceState::NotFound);
}

#[tokio::test]
async fn dropping_the_stream_frees_the_bulkhead() {
    use futures::StreamExt;
    let g = guard("slow");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stream = Box::pin(run(
        vec![planned("slow", Act::Hang, g.clone())],
        keys(),
        deadline,
        None,
    ));
    // Poll once so the call is in flight and holds its slot.
    let first = futures::poll!(stream.next());
    assert!(first.is_pending());
    assert_eq!(g.snapshot().in_flight, 1);
    drop(stream);
    assert_eq!(
        g.snapshot().in_flight,
        0,
        "the abandoned call's slot is free again"
    );
}

#[test]
fn a_source_s_detail_counts_its_cases() {
    assert_eq!(super::cases_detail(0), "0 case(s)");
    assert_eq!(super::cases_detail(2), "2 case(s)");
    assert_eq!(super::cases_detail(12_345), "12345 case(s)");
}
