//! Authorization: what a principal may see, decided per source and per personal field by a
//! Cedar policy an auditor can read (`hub/policy/default.cedar`, vocabulary in
//! `hub/policy/minwon.cedarschema`), validated against the schema at start-up.
//!
//! The defaults are the ones a city signs off on: counselors see every source with personal
//! fields masked; an officer sees clear fields only for their own department's source; the
//! chatbot and SMS channels never receive personal fields; auditors and admins see no case
//! data; a look-up needs a fitting purpose. The rest of the hub consumes only
//! [`SourceAccess`], so the policy can change without touching callers.
//!
//! Decisions depend only on (role, department, channel, purpose, source), a small set, so
//! each is computed once and cached.

use crate::access::auth::{Principal, Role};
use crate::access::validate::PurposeCode;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use fnv::FnvHashMap;
use minwon_connector_sdk::{Descriptor, PersonalField};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

/// The schema every policy file is validated against.
pub const SCHEMA: &str = include_str!("../../policy/minwon.cedarschema");
/// The default policy.
pub const DEFAULT_POLICY: &str = include_str!("../../policy/default.cedar");

/// How one personal field is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// In clear.
    Clear,
    /// Masked (e.g. `홍*동`).
    Masked,
    /// Not at all.
    Hidden,
}

/// The decision for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAccess {
    /// Whether the source may be queried.
    pub allowed: bool,
    /// Field visibility (fields not listed are hidden).
    pub fields: BTreeMap<PersonalField, Visibility>,
    /// Why, in a few words (for `detail` and the access record).
    pub reason: String,
}

impl SourceAccess {
    /// No access (and no fields), for `reason`.
    pub fn deny(reason: &str) -> Self {
        SourceAccess {
            allowed: false,
            fields: BTreeMap::new(),
            reason: reason.to_string(),
        }
    }

    /// Visibility of `field`.
    pub fn visibility(&self, field: PersonalField) -> Visibility {
        self.fields
            .get(&field)
            .copied()
            .unwrap_or(Visibility::Hidden)
    }

    /// Fields shown in clear, by name.
    pub fn clear_fields(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|(_, v)| **v == Visibility::Clear)
            .map(|(f, _)| f.as_str())
            .collect()
    }
}

/// A policy that cannot be used; the message says where.
#[derive(Debug, thiserror::Error)]
#[error("access policy: {0}")]
pub struct PolicyError(String);

/// Role, channel and purpose of a query.
type Caller = (Role, &'static str, PurposeCode);
/// Decisions by department, then source. FNV, not SipHash: the keys are the registry's source
/// names and departments from verified tokens, and three lookups run per source per query.
type ByDepartment = FnvHashMap<String, FnvHashMap<String, Arc<SourceAccess>>>;

/// The decision cache: by (role, channel, purpose), then department, then source — nested so
/// a lookup borrows the principal's and the descriptor's strings instead of allocating a key
/// (it runs once per source on every query).
#[derive(Default)]
struct Cache {
    by_caller: FnvHashMap<Caller, ByDepartment>,
    entries: usize,
}

impl Cache {
    fn get(&self, caller: Caller, dept: &str, source: &str) -> Option<&Arc<SourceAccess>> {
        self.by_caller.get(&caller)?.get(dept)?.get(source)
    }

    fn insert(&mut self, caller: Caller, dept: &str, source: &str, d: Arc<SourceAccess>) {
        if self.entries >= CACHE_MAX {
            self.by_caller.clear();
            self.entries = 0;
        }
        let slot = self
            .by_caller
            .entry(caller)
            .or_default()
            .entry(dept.to_string())
            .or_default();
        if slot.insert(source.to_string(), d).is_none() {
            self.entries += 1;
        }
    }
}

/// The loaded, validated policy and its decision cache.
pub struct Policy {
    policies: PolicySet,
    schema: Schema,
    authorizer: Authorizer,
    cache: RwLock<Cache>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy").finish_non_exhaustive()
    }
}

/// Most cached decisions; the cache is cleared when full.
const CACHE_MAX: usize = 10_000;

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).expect("type names are literals"),
        EntityId::new(id),
    )
}

fn s(v: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(v.to_string())
}

impl Policy {
    /// The built-in default policy.
    pub fn default_policy() -> Result<Self, PolicyError> {
        Self::from_text(DEFAULT_POLICY)
    }

    /// Parses `text` and validates it strictly against [`SCHEMA`].
    pub fn from_text(text: &str) -> Result<Self, PolicyError> {
        let (schema, _) = Schema::from_cedarschema_str(SCHEMA)
            .map_err(|e| PolicyError(format!("schema: {e}")))?;
        let policies =
            PolicySet::from_str(text).map_err(|e| PolicyError(format!("parse error: {e}")))?;
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result.validation_errors().map(|e| e.to_string()).collect();
            return Err(PolicyError(format!(
                "does not match the schema: {}",
                errors.join("; ")
            )));
        }
        Ok(Policy {
            policies,
            schema,
            authorizer: Authorizer::new(),
            cache: RwLock::new(Cache::default()),
        })
    }

    /// Reads a policy file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError(format!("reading {}: {e}", path.display())))?;
        Self::from_text(&text)
    }

    /// Asks one question; `Err(reason)` on deny.
    fn ask(
        &self,
        p: &Principal,
        action: &str,
        source: &Descriptor,
        purpose: PurposeCode,
        field: Option<PersonalField>,
    ) -> Result<(), String> {
        let principal = uid("Minwon::Account", "caller");
        let resource = uid("Minwon::Source", &source.name);
        let account = Entity::new(
            principal.clone(),
            HashMap::from([
                ("role".to_string(), s(p.role.as_str())),
                (
                    "department".to_string(),
                    s(p.department.as_deref().unwrap_or("")),
                ),
                ("channel".to_string(), s(p.channel.as_str())),
            ]),
            Default::default(),
        );
        let src = Entity::new(
            resource.clone(),
            HashMap::from([
                ("name".to_string(), s(&source.name)),
                ("department".to_string(), s(&source.department)),
            ]),
            Default::default(),
        );
        let mut ctx = vec![("purpose".to_string(), s(purpose.as_str()))];
        if let Some(f) = field {
            ctx.push(("field".to_string(), s(f.as_str())));
        }
        let deny = |why: String| Err(format!("access policy: {why}"));
        let (account, src) = match (account, src) {
            (Ok(a), Ok(r)) => (a, r),
            _ => return deny("entity could not be built".into()),
        };
        let entities = match Entities::from_entities([account, src], Some(&self.schema)) {
            Ok(e) => e,
            Err(e) => return deny(e.to_string()),
        };
        let context = match Context::from_pairs(ctx) {
            Ok(c) => c,
            Err(e) => return deny(e.to_string()),
        };
        let request = match Request::new(
            principal,
            uid("Minwon::Action", action),
            resource,
            context,
            Some(&self.schema),
        ) {
            Ok(r) => r,
            Err(e) => return deny(e.to_string()),
        };
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        if response.decision() == Decision::Allow {
            return Ok(());
        }
        // A deciding forbid names its reason; otherwise nothing permitted the request.
        let reason = response
            .diagnostics()
            .reason()
            .find_map(|id| self.policies.annotation(id, "reason"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                "no policy permits this role, channel and purpose to see this source".to_string()
            });
        Err(reason)
    }

    /// Whether the caller may look up citizen cases at all (asked against `source`), and why
    /// not.
    pub fn case_access_refusal(
        &self,
        p: &Principal,
        purpose: PurposeCode,
        source: &Descriptor,
    ) -> Option<String> {
        let a = self.source_access(p, purpose, source);
        (!a.allowed).then(|| a.reason.clone())
    }

    /// The decision for one source (cached).
    pub fn source_access(
        &self,
        p: &Principal,
        purpose: PurposeCode,
        source: &Descriptor,
    ) -> Arc<SourceAccess> {
        let caller = (p.role, p.channel.as_str(), purpose);
        let dept = p.department.as_deref().unwrap_or_default();
        if let Some(hit) =
            self.cache
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(caller, dept, &source.name)
        {
            return hit.clone();
        }
        let decision = Arc::new(self.decide(p, purpose, source));
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(caller, dept, &source.name, decision.clone());
        decision
    }

    fn decide(&self, p: &Principal, purpose: PurposeCode, source: &Descriptor) -> SourceAccess {
        if let Err(reason) = self.ask(p, "look_up", source, purpose, None) {
            return SourceAccess::deny(&reason);
        }
        let mut fields = BTreeMap::new();
        for f in PersonalField::ALL {
            let v = if self.ask(p, "see_clear", source, purpose, Some(f)).is_ok() {
                Visibility::Clear
            } else if self.ask(p, "see_masked", source, purpose, Some(f)).is_ok() {
                Visibility::Masked
            } else {
                Visibility::Hidden
            };
            fields.insert(f, v);
        }
        let clear = fields.values().any(|v| *v == Visibility::Clear);
        let masked = fields.values().any(|v| *v == Visibility::Masked);
        let reason = match (clear, masked) {
            (true, _) => "personal fields in clear (owning department)",
            (false, true) => "personal fields masked",
            (false, false) => "no personal fields",
        };
        SourceAccess {
            allowed: true,
            fields,
            reason: reason.to_string(),
        }
    }
}

/// Whether the role may use the connector admin service.
pub fn may_administer(p: &Principal) -> bool {
    p.role == Role::Admin
}

/// Whether the role may read the access trail.
pub fn may_audit(p: &Principal) -> bool {
    p.role == Role::Auditor
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
