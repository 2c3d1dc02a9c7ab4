//! [`WelfareConnector`]: the unified connector calls translated into the benefits API behind
//! OAuth2, and [`WelfareHealth`], its health check.
//!
//! Every API call goes through [`WelfareConnector::call`], the SDK's OAuth2 dance: take the
//! cached token (or the one shared refresh), send; on a rejected token, refresh once and send
//! once more; a second rejection is `Unauthorized`. Everything runs within the caller's
//! deadline.

use crate::NAME;
use crate::api::{ApiError, read_answer};
use crate::config::WelfareConfig;
use crate::mapping::{DetailData, SearchData, detail_to_case, search_to_cases};
use crate::protocol::{JSON_CONTENT_TYPE, SEARCH_PATH, detail_path, field, is_application_no};
use minwon_connector_sdk::http::{BackendClient, RawResponse};
use minwon_connector_sdk::oauth2::{Bearer, OAuth2Client, TokenRequest};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::sync::Arc;
use std::time::Duration;

/// Application number the health check asks for: none has it, so a healthy back-end answers
/// `E404` after accepting the token — a real authenticated request, as cheap as one gets.
pub const HEALTH_PROBE_ID: &str = "0";

/// The welfare connector.
#[derive(Debug)]
pub struct WelfareConnector {
    config: WelfareConfig,
    client: BackendClient,
    descriptor: Descriptor,
    oauth: OAuth2Client,
    base: String,
}

impl WelfareConnector {
    /// A connector for a validated config.
    pub fn new(config: WelfareConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            kind: "rest-json-oauth2".to_string(),
            base_url: config.base_url.clone(),
            accepts: vec![KeyKind::Rrn],
            personal_fields: vec![
                PersonalField::Name,
                PersonalField::Phone,
                PersonalField::Address,
                PersonalField::AccountNumber,
            ],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        };
        let token_request = TokenRequest {
            url: config.effective_token_url(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            scope: config.scope.clone(),
            auth: config.token_auth,
        };
        let skew = Duration::from_millis(config.token_expiry_skew_ms);
        Ok(WelfareConnector {
            oauth: OAuth2Client::new(NAME, token_request, skew),
            base: config.base_url.trim_end_matches('/').to_string(),
            descriptor,
            client,
            config,
        })
    }

    /// One API call with the token dance: cached token → call; rejected → one refresh, one
    /// retry; rejected again → `Unauthorized`. `request` builds the request for a token;
    /// `read` reads the answer (what it decodes borrows from the body, so it maps it too).
    async fn call<F, R, T>(
        &self,
        request: F,
        read: R,
        ctx: &CallContext,
    ) -> Result<T, ConnectorError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder + Send + Sync,
        R: Fn(&RawResponse) -> Result<T, ApiError> + Send + Sync,
    {
        let (request, read) = (&request, &read);
        self.oauth
            .call(&self.client, ctx, |token| async move {
                self.attempt(request, read, &token, ctx).await
            })
            .await
    }

    async fn attempt<F, R, T>(
        &self,
        request: &F,
        read: &R,
        token: &Bearer,
        ctx: &CallContext,
    ) -> Result<T, ApiError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
        R: Fn(&RawResponse) -> Result<T, ApiError>,
    {
        let req = request(token.expose()).header(reqwest::header::ACCEPT, "application/json");
        let raw = self.client.send(req, ctx).await?;
        read(&raw)
    }

    /// `POST /api/v1/benefits/search` with the RRN in the JSON body.
    fn search_request(&self, rrn: &str) -> impl Fn(&str) -> reqwest::RequestBuilder + Send + Sync {
        let url = format!("{}{SEARCH_PATH}", self.base);
        let body = serde_json::json!({ field::RRN: rrn }).to_string();
        let client = self.client.inner().clone();
        move |token| {
            client
                .post(&url)
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, JSON_CONTENT_TYPE)
                .body(body.clone())
        }
    }

    /// One application's detail, its answer read by `read` (`E404` comes back as a NotFound
    /// error).
    async fn detail<R, T>(
        &self,
        application_no: &str,
        read: R,
        ctx: &CallContext,
    ) -> Result<T, ConnectorError>
    where
        R: Fn(&RawResponse) -> Result<T, ApiError> + Send + Sync,
    {
        let url = format!("{}{}", self.base, detail_path(application_no));
        let client = self.client.inner();
        self.call(|token| client.get(&url).bearer_auth(token), read, ctx)
            .await
    }
}

/// How the connector reads a search answer (for tests): envelope, then mapping.
pub fn handle_search(raw: &RawResponse, department: &str) -> Result<Vec<Case>, ConnectorError> {
    match read_answer::<SearchData>(raw) {
        Ok(data) => search_to_cases(&data, department),
        Err(ApiError::Failed(e)) => Err(e),
        Err(ApiError::TokenRejected) => Err(ConnectorError::new(
            ErrorKind::Unauthorized,
            "welfare API rejected the access token",
        )),
    }
}

#[async_trait::async_trait]
impl Connector for WelfareConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        let rrn = keys.rrn.as_ref().ok_or_else(|| {
            ConnectorError::invalid_query("the welfare source answers by RRN; none was given")
        })?;
        let department = &self.config.department;
        let read = |raw: &RawResponse| {
            let data: SearchData = read_answer(raw)?;
            Ok(search_to_cases(&data, department)?)
        };
        let cases = self
            .call(self.search_request(rrn.expose()), read, ctx)
            .await?;
        tracing::debug!(
            connector = NAME,
            cases = cases.len(),
            "welfare benefits fetched"
        );
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        if !is_application_no(native_id) {
            return Err(ConnectorError::invalid_query(
                "a welfare application number is letters, digits and hyphens, at most 64",
            ));
        }
        let department = &self.config.department;
        let read = |raw: &RawResponse| {
            let data: DetailData = read_answer(raw)?;
            Ok(detail_to_case(&data, native_id, department)?)
        };
        self.detail(native_id, read, ctx).await
    }
}

/// The health check: a token (cached or fresh) and one detail request for an application
/// number none has. `E404` (or an application) means up: the API answered and accepted the
/// token. Anything else — 5xx, in-band error, refused credentials, unreachable — is down.
#[derive(Debug)]
pub struct WelfareHealth {
    connector: Arc<WelfareConnector>,
}

impl WelfareHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<WelfareConnector>) -> Self {
        WelfareHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for WelfareHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        // Any application in `data` is an answer too: only the envelope is read.
        let read = |raw: &RawResponse| read_answer::<serde::de::IgnoredAny>(raw).map(drop);
        match self.connector.detail(HEALTH_PROBE_ID, read, ctx).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
