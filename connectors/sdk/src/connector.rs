//! The [`Connector`] trait and what the hub needs to know about a connector.

use crate::error::ConnectorError;
use crate::keys::{CitizenKeys, KeyKind};
use crate::model::Case;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::time::Instant;

/// A personal-data field a source can return; the hub's policy decides per field whether the
/// caller sees it clear, masked or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonalField {
    /// Citizen's name.
    Name,
    /// Resident registration number.
    Rrn,
    /// Phone number.
    Phone,
    /// Address.
    Address,
    /// Vehicle plate number.
    VehicleNumber,
    /// Bank or virtual account number.
    AccountNumber,
}

impl PersonalField {
    /// Every field, in a fixed order.
    pub const ALL: [PersonalField; 6] = [
        PersonalField::Name,
        PersonalField::Rrn,
        PersonalField::Phone,
        PersonalField::Address,
        PersonalField::VehicleNumber,
        PersonalField::AccountNumber,
    ];

    /// Stable lower-case name used in the API, config and audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonalField::Name => "name",
            PersonalField::Rrn => "rrn",
            PersonalField::Phone => "phone",
            PersonalField::Address => "address",
            PersonalField::VehicleNumber => "vehicle_number",
            PersonalField::AccountNumber => "account_number",
        }
    }
}

/// What a connector is: shown by `ListConnectors`, used by the hub to decide whom to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Registry name, lower case, e.g. `saeol`. Also the source name in case references.
    pub name: String,
    /// Owning department, e.g. "세정과".
    pub department: String,
    /// Protocol family, e.g. `soap-euckr`, `portal-xml`, `rest-json`.
    pub kind: String,
    /// Base URL of the back-end.
    pub base_url: String,
    /// Keys this source answers from; it is called when the query has at least one.
    pub accepts: Vec<KeyKind>,
    /// Personal fields this source may return.
    pub personal_fields: Vec<PersonalField>,
    /// What a person reads for each key of [`Case::attributes`] this source sets, e.g.
    /// `tax_item` → "세목": a counselor's screen shows the label, not the key. Every key a
    /// connector sets has one (the conformance suite checks the cases it returns).
    pub attribute_labels: BTreeMap<String, String>,
}

impl Descriptor {
    /// Attribute labels from a connector's table of `(key, label)` pairs.
    pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Whether a query with these keys can be answered by this source.
    pub fn can_answer(&self, keys: &CitizenKeys) -> bool {
        self.accepts.iter().any(|k| keys.has(*k))
    }
}

/// Per-call context passed from the hub to a connector.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The point in time by which the call must be over; connectors stop paging or retrying
    /// at it and the hub cancels the call there.
    pub deadline: Instant,
    /// W3C `traceparent` to pass on to the back-end, when tracing is on.
    pub traceparent: Option<String>,
}

impl CallContext {
    /// A context with `budget` from now and no trace.
    pub fn with_budget(budget: std::time::Duration) -> Self {
        CallContext {
            deadline: Instant::now() + budget,
            traceparent: None,
        }
    }

    /// Time left before the deadline (zero when past).
    pub fn remaining(&self) -> std::time::Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// A department back-end, reached through its own protocol.
///
/// Object safe: the hub holds `Arc<dyn Connector>`. Implementations must be cancel-safe (the
/// hub drops the future at the deadline) and must put no personal data into error messages.
#[async_trait::async_trait]
pub trait Connector: Send + Sync + 'static {
    /// What this connector is.
    fn descriptor(&self) -> &Descriptor;

    /// Every case this source holds for the citizen. An empty list or a
    /// [`crate::ErrorKind::NotFound`] error both mean "nothing here"; fetch every page.
    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError>;

    /// What the hub calls: the cases and whether the answer is complete. The default is
    /// [`Self::fetch_cases`], complete; a connector that can stop early (the deadline ended
    /// paging) overrides it to say so in [`Fetched::partial`] instead of failing the call.
    async fn fetch(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Fetched, ConnectorError> {
        Ok(Fetched::complete(self.fetch_cases(keys, ctx).await?))
    }

    /// One case by the back-end's own id.
    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError>;
}

/// A source's answer to one look-up: its cases, and `partial` when they are not all of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fetched {
    /// The cases that arrived.
    pub cases: Vec<Case>,
    /// `Some` when the answer was cut short: a short text for the source's `detail`, with
    /// counts only (never a key or a personal value).
    pub partial: Option<String>,
}

impl Fetched {
    /// A complete answer.
    pub fn complete(cases: Vec<Case>) -> Self {
        Fetched {
            cases,
            partial: None,
        }
    }
}

/// A cheap real request that tells whether the back-end is up, as close as possible to normal
/// operation.
#[async_trait::async_trait]
pub trait HealthCheck: Send + Sync + 'static {
    /// `Ok` when the back-end answered as expected.
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError>;
}

/// One public knowledge-base entry.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeEntry {
    /// Stable id.
    pub id: String,
    /// Category, e.g. "여권".
    pub category: String,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// Department in charge.
    pub department: String,
    /// Department phone.
    pub contact: String,
    /// Relevance, higher is better.
    pub score: f64,
}

/// A source of public consultation answers (no personal data).
#[async_trait::async_trait]
pub trait KnowledgeSource: Send + Sync + 'static {
    /// Entries matching `query` (optionally within `category`), best first, at most `limit`,
    /// plus the number of matches before the limit.
    async fn search(
        &self,
        query: &str,
        category: Option<&str>,
        limit: usize,
        ctx: &CallContext,
    ) -> Result<(Vec<KnowledgeEntry>, usize), ConnectorError>;
}

/// What a connector config's `build` returns: the connector and its health check, and the
/// knowledge source when the back-end has one.
pub struct BuiltConnector {
    /// The connector.
    pub connector: Arc<dyn Connector>,
    /// Its health check.
    pub health: Arc<dyn HealthCheck>,
    /// The knowledge base it serves, if any.
    pub knowledge: Option<Arc<dyn KnowledgeSource>>,
}
