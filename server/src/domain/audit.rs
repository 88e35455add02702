//! Audit events: who did what, where, when, with the state before and after.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::ids::{
    ApplicationId, AuditEventId, ContractAccountId, NetworkId, OrganizationId, ScimTokenId, UserId,
};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    /// `None` for global objects (contract accounts).
    pub network_id: Option<NetworkId>,
    pub organization_id: Option<OrganizationId>,
    pub actor: Actor,
    /// The mutation's name, e.g. `moveOrganization`.
    pub action: String,
    /// The id of the object changed, when it is not the organization itself.
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub occurred_at: DateTime<Utc>,
}

/// Who did it: a person, an application acting through its authorization, or the
/// organization's directory through its SCIM token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    Application(ApplicationId),
    Directory(ScimTokenId),
}

impl Actor {
    /// The actor as a reference whose visibility decides whether a reader sees it; a
    /// directory is the organization's own, seen by every reader of its events.
    fn reference(self) -> Option<Reference> {
        match self {
            Self::User(user) => Some(Reference::User(user)),
            Self::Application(app) => Some(Reference::Application(app)),
            Self::Directory(_) => None,
        }
    }
}

/// What a hidden reference in an audit state is replaced with.
pub const REDACTED: &str = "REDACTED";

/// An object an audit state refers to by id, whose visibility decides whether the reader
/// sees the id (and what is said about it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reference {
    Organization(OrganizationId),
    ContractAccount(ContractAccountId),
    User(UserId),
    Application(ApplicationId),
}

/// The keys of audit states that hold a reference, with what else about the referenced object
/// the state says (redacted with it).
fn reference_at(action: &str, key: &str, id: &str) -> Option<Reference> {
    match key {
        "parentId" | "sourceId" | "organizationId" => id.parse().ok().map(Reference::Organization),
        "contractAccountId" => id.parse().ok().map(Reference::ContractAccount),
        "userId" => id.parse().ok().map(Reference::User),
        "applicationId" => id.parse().ok().map(Reference::Application),
        "id" if action.ends_with("Organization") => id.parse().ok().map(Reference::Organization),
        "id" if action.contains("Application") => id.parse().ok().map(Reference::Application),
        _ => None,
    }
}

/// Keys that describe the object of a sibling reference key, hidden along with it.
fn described_by(key: &str) -> &'static [&'static str] {
    match key {
        "userId" => &["email"],
        _ => &[],
    }
}

impl AuditEvent {
    /// Every object the event's states refer to (the actor included).
    pub fn references(&self) -> Vec<Reference> {
        let mut found: Vec<Reference> = self.actor.reference().into_iter().collect();
        for state in [&self.before, &self.after].into_iter().flatten() {
            if let Value::Object(fields) = state {
                found.extend(
                    fields.iter().filter_map(|(key, value)| {
                        reference_at(&self.action, key, value.as_str()?)
                    }),
                );
            }
        }
        found
    }

    /// The event as a reader sees it: each reference `visible` refuses, and what the state
    /// says about that object, is replaced with [`REDACTED`]; a hidden application's state is
    /// redacted whole. The actor is left to the caller (see [`AuditEntry`]).
    pub fn redacted(mut self, visible: impl Fn(&Reference) -> bool) -> AuditEntry {
        let action = self.action.clone();
        for state in [&mut self.before, &mut self.after].into_iter().flatten() {
            redact_state(&action, state, &visible);
        }
        let actor_visible = self.actor.reference().is_none_or(|r| visible(&r));
        AuditEntry {
            event: self,
            actor_visible,
        }
    }
}

fn redact_state(action: &str, state: &mut Value, visible: &impl Fn(&Reference) -> bool) {
    let Value::Object(fields) = state else {
        return;
    };
    let hidden: Vec<(String, Reference)> = fields
        .iter()
        .filter_map(|(key, value)| {
            let reference = reference_at(action, key, value.as_str()?)?;
            (!visible(&reference)).then(|| (key.clone(), reference))
        })
        .collect();
    for (key, reference) in hidden {
        if key == "id" && matches!(reference, Reference::Application(_)) {
            *state = Value::String(REDACTED.to_owned());
            return;
        }
        for described in std::iter::once(key.as_str()).chain(described_by(&key).iter().copied()) {
            if let Some(value) = fields.get_mut(described) {
                *value = Value::String(REDACTED.to_owned());
            }
        }
    }
}

/// An audit event as one reader may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub event: AuditEvent,
    /// Whether the reader may see who did it (`domain::visibility`).
    pub actor_visible: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(action: &str, after: Value) -> AuditEvent {
        AuditEvent {
            id: AuditEventId::new_random(),
            network_id: None,
            organization_id: None,
            actor: Actor::User(UserId::new_random()),
            action: action.to_owned(),
            target_id: None,
            before: None,
            after: Some(after),
            occurred_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn hidden_references_and_what_describes_them_are_redacted() {
        let (parent, account, user) = (
            OrganizationId::new_random(),
            ContractAccountId::new_random(),
            UserId::new_random(),
        );
        let own = OrganizationId::new_random();
        let added = event(
            "addSubOrganization",
            json!({ "id": own.to_string(), "name": "Madrid", "parentId": parent.to_string(),
                    "contractAccountId": account.to_string(), "userId": user.to_string(),
                    "email": "ada@example.com" }),
        );
        let actor = added.actor;
        assert_eq!(added.references().len(), 5);
        let seen = added.redacted(|r| matches!(r, Reference::Organization(o) if *o == own));
        assert!(!seen.actor_visible, "{actor:?}");
        assert_eq!(
            seen.event.after,
            Some(
                json!({ "id": own.to_string(), "name": "Madrid", "parentId": REDACTED,
                         "contractAccountId": REDACTED, "userId": REDACTED, "email": REDACTED })
            )
        );
    }

    #[test]
    fn a_hidden_application_is_redacted_whole_and_visible_ones_stay() {
        let app = ApplicationId::new_random();
        let state = json!({ "id": app.to_string(), "name": "Billing", "clientId": "c" });
        let hidden = event("createApplication", state.clone()).redacted(|_| false);
        assert_eq!(hidden.event.after, Some(json!(REDACTED)));
        let shown = event("createApplication", state.clone()).redacted(|_| true);
        assert_eq!(shown.event.after, Some(state));
        assert!(shown.actor_visible);
    }
}
