//! The audit log: one [`AuditEvent`] for every change a request makes, so a service provider
//! can answer "what did Entra do to this user, and when".

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    /// POST: a resource was created.
    Create,
    /// PUT: a resource was replaced.
    Replace,
    /// PATCH: a resource was modified.
    Patch,
    /// DELETE: a resource was deleted.
    Delete,
}

impl AuditAction {
    /// The lowercase name, e.g. `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Replace => "replace",
            AuditAction::Patch => "patch",
            AuditAction::Delete => "delete",
        }
    }
}

/// One change, recorded after it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// When, as an RFC 3339 timestamp.
    pub at: String,
    /// The tenant whose data changed.
    pub tenant: String,
    /// Who changed it ([`super::auth::Principal::actor`]).
    pub actor: String,
    /// What was done.
    pub action: AuditAction,
    /// The resource type, e.g. `User`.
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
    /// The change itself: the PATCH operations as sent, or the names of the attributes a
    /// create or replace set (values are left out: they may be secrets such as `password`).
    pub changes: Value,
    /// Attributes the request carried that are not in the schema and were dropped
    /// (`unknownAttributes = "ignore"`), as the client named them; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

/// Where audit events go.
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// Record one event. Called after the change is stored; must not fail the request.
    fn record(&self, event: &AuditEvent);
}

/// The default sink: an `INFO` tracing event at target `scim::audit` per change.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAudit;

impl AuditSink for TracingAudit {
    fn record(&self, event: &AuditEvent) {
        tracing::info!(
            target: "scim::audit",
            at = %event.at,
            tenant = %event.tenant,
            actor = %event.actor,
            action = event.action.as_str(),
            resource_type = %event.resource_type,
            id = %event.id,
            changes = %event.changes,
            ignored = ?event.ignored,
            "SCIM {} {} {}",
            event.action.as_str(),
            event.resource_type,
            event.id,
        );
    }
}

/// The attribute names a create or replace body sets (top level, and `urn:...:name` for
/// extension attributes), for [`AuditEvent::changes`].
pub fn attribute_names(resource: &Value) -> Value {
    let mut names = Vec::new();
    if let Some(object) = resource.as_object() {
        for (key, value) in object {
            if matches!(key.as_str(), "schemas" | "id" | "meta") {
                continue;
            }
            match value.as_object() {
                Some(extension) if key.starts_with("urn:") => {
                    names.extend(extension.keys().map(|name| Value::String(format!("{key}:{name}"))));
                }
                _ => names.push(Value::String(key.clone())),
            }
        }
    }
    Value::Array(names)
}
