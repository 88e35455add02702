//! Audit events: who did what, where, when, with the state before and after.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::ids::{AuditEventId, NetworkId, OrganizationId, UserId};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    /// `None` for global objects (contract accounts).
    pub network_id: Option<NetworkId>,
    pub organization_id: Option<OrganizationId>,
    pub actor: UserId,
    /// The mutation's name, e.g. `moveOrganization`.
    pub action: String,
    /// The id of the object changed, when it is not the organization itself.
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub occurred_at: DateTime<Utc>,
}
