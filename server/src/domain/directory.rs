//! Directory onboarding (SPEC §4): an organization's directory users and groups as its
//! identity provider pushed them, the rules that make them members, and the decision each
//! provisioning step takes about one person's membership. Pure: the service feeds it what it
//! read and writes what it decides.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::contract_account::validate_email;
use super::ids::{
    CustomRoleId, DirectoryGroupId, DirectoryUserId, NetworkId, OnboardingRuleId, OrganizationId,
    ScimTokenId, UserId,
};
use super::members::{Member, MemberStatus, OnboardingSource};
use super::scim::schema;

/// A directory's credential for one organization (the secret itself is never kept).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimToken {
    pub id: ScimTokenId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub description: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub const SCIM_TOKEN_DESCRIPTION_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    pub id: DirectoryUserId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    /// The SCIM attributes, normalized (`domain::scim::resource`), without `id` and `meta`.
    pub attributes: Map<String, Value>,
    /// The person this directory user was onboarded as, once it was.
    pub person_id: Option<UserId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DirectoryUser {
    pub fn user_name(&self) -> &str {
        self.attributes
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn external_id(&self) -> Option<&str> {
        self.attributes.get("externalId").and_then(Value::as_str)
    }

    pub fn display_name(&self) -> Option<&str> {
        self.attributes.get("displayName").and_then(Value::as_str)
    }

    /// Users are active unless the directory says otherwise.
    pub fn active(&self) -> bool {
        self.attributes
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// The email typed `work`, the one `emails[type eq "work"].value` filters on.
    pub fn work_email(&self) -> Option<&str> {
        self.attributes
            .get("emails")?
            .as_array()?
            .iter()
            .find(|e| {
                e.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("work"))
            })
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
    }

    /// The work email (else the primary one, else the first).
    pub fn email(&self) -> Option<&str> {
        let emails = self.attributes.get("emails")?.as_array()?;
        let kind = |e: &&Value, k: &str| {
            e.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(k))
        };
        emails
            .iter()
            .find(|e| kind(e, "work"))
            .or_else(|| {
                emails
                    .iter()
                    .find(|e| e.get("primary") == Some(&Value::Bool(true)))
            })
            .or_else(|| emails.first())
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
    }

    /// The address the person is known by: the `userName` when it is an email address (as
    /// a UPN usually is), else the work email.
    pub fn person_email(&self) -> Option<String> {
        validate_email("userName", self.user_name())
            .ok()
            .or_else(|| self.email().and_then(|e| validate_email("emails", e).ok()))
    }

    /// The name shown for the person when the directory creates them.
    pub fn person_name(&self) -> Option<String> {
        if let Some(name) = self.display_name() {
            return Some(name.to_owned());
        }
        let name = self.attributes.get("name")?;
        if let Some(formatted) = name.get("formatted").and_then(Value::as_str) {
            return Some(formatted.to_owned());
        }
        let parts: Vec<&str> = ["givenName", "familyName"]
            .iter()
            .filter_map(|k| name.get(*k).and_then(Value::as_str))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The SCIM representation (before `attributes`/`excludedAttributes`).
    pub fn resource(&self, location: &str, groups: &[(DirectoryGroupId, String)]) -> Value {
        let mut out = Map::new();
        let mut schemas = vec![Value::from(schema::USER_URN)];
        if self.attributes.contains_key(schema::ENTERPRISE_USER_URN) {
            schemas.push(schema::ENTERPRISE_USER_URN.into());
        }
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), self.id.to_string().into());
        out.extend(self.attributes.clone());
        out.insert("active".into(), self.active().into());
        if !groups.is_empty() {
            out.insert(
                "groups".into(),
                groups
                    .iter()
                    .map(|(id, name)| {
                        serde_json::json!({ "value": id.to_string(), "display": name, "type": "direct" })
                    })
                    .collect(),
            );
        }
        out.insert(
            "meta".into(),
            meta(
                "User",
                self.created_at,
                self.updated_at,
                self.version,
                location,
            ),
        );
        Value::Object(out)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryGroup {
    pub id: DirectoryGroupId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    pub display_name: String,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DirectoryGroup {
    /// The attributes PATCH works on (members are changed apart, in the store).
    pub fn attributes(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("displayName".into(), self.display_name.clone().into());
        if let Some(external) = &self.external_id {
            out.insert("externalId".into(), external.clone().into());
        }
        out
    }

    /// The SCIM representation; `members` is `None` when the response leaves them out.
    pub fn resource(
        &self,
        location: &str,
        members: Option<&[(DirectoryUserId, Option<String>)]>,
    ) -> Value {
        let mut out = Map::new();
        out.insert(
            "schemas".into(),
            Value::Array(vec![schema::GROUP_URN.into()]),
        );
        out.insert("id".into(), self.id.to_string().into());
        out.insert("displayName".into(), self.display_name.clone().into());
        if let Some(external) = &self.external_id {
            out.insert("externalId".into(), external.clone().into());
        }
        if let Some(members) = members {
            out.insert(
                "members".into(),
                members
                    .iter()
                    .map(|(id, display)| {
                        let mut member = Map::new();
                        member.insert("value".into(), id.to_string().into());
                        if let Some(display) = display {
                            member.insert("display".into(), display.clone().into());
                        }
                        member.insert("type".into(), "User".into());
                        Value::Object(member)
                    })
                    .collect(),
            );
        }
        out.insert(
            "meta".into(),
            meta(
                "Group",
                self.created_at,
                self.updated_at,
                self.version,
                location,
            ),
        );
        Value::Object(out)
    }
}

/// A resource's version as a weak entity tag (RFC 7644 §3.14).
pub fn entity_tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn meta(
    kind: &str,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    version: i64,
    location: &str,
) -> Value {
    serde_json::json!({
        "resourceType": kind,
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "version": entity_tag(version),
        "location": location,
    })
}

/// Who the directory makes a member of its organization: every user, or one group's users,
/// with a role granted there.
#[derive(Debug, Clone, PartialEq)]
pub struct OnboardingRule {
    pub id: OnboardingRuleId,
    pub network_id: NetworkId,
    pub organization_id: OrganizationId,
    /// `None`: every directory user.
    pub group_id: Option<DirectoryGroupId>,
    /// A built-in role's name or a custom role's name.
    pub role: String,
    pub custom_role_id: Option<CustomRoleId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a provisioning step did to one directory user's membership (`ProvisioningOutcome`
/// in GraphQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisioningOutcome {
    MemberAdded,
    MemberReactivated,
    MemberUpdated,
    MemberUnchanged,
    MemberSuspended,
    NotOnboarded,
    ManualMemberUntouched,
    RemovedMemberUntouched,
    SuspendedMemberUntouched,
    NoEmail,
}

impl ProvisioningOutcome {
    pub const ALL: [Self; 10] = [
        Self::MemberAdded,
        Self::MemberReactivated,
        Self::MemberUpdated,
        Self::MemberUnchanged,
        Self::MemberSuspended,
        Self::NotOnboarded,
        Self::ManualMemberUntouched,
        Self::RemovedMemberUntouched,
        Self::SuspendedMemberUntouched,
        Self::NoEmail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MemberAdded => "MEMBER_ADDED",
            Self::MemberReactivated => "MEMBER_REACTIVATED",
            Self::MemberUpdated => "MEMBER_UPDATED",
            Self::MemberUnchanged => "MEMBER_UNCHANGED",
            Self::MemberSuspended => "MEMBER_SUSPENDED",
            Self::NotOnboarded => "NOT_ONBOARDED",
            Self::ManualMemberUntouched => "MANUAL_MEMBER_UNTOUCHED",
            Self::RemovedMemberUntouched => "REMOVED_MEMBER_UNTOUCHED",
            Self::SuspendedMemberUntouched => "SUSPENDED_MEMBER_UNTOUCHED",
            Self::NoEmail => "NO_EMAIL",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == raw)
    }
}

/// Where a directory user stands, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Active and matched by these rules.
    Onboarded {
        source: OnboardingSource,
        rules: Vec<OnboardingRuleId>,
    },
    /// Not to be a member, and why.
    Out(&'static str),
}

/// The rules that match a directory user: `present` is false once the directory deleted
/// it; `groups` are the directory groups it belongs to.
pub fn standing(
    present: bool,
    active: bool,
    groups: &HashSet<DirectoryGroupId>,
    rules: &[OnboardingRule],
) -> Standing {
    if !present {
        return Standing::Out("the directory deleted the user");
    }
    if !active {
        return Standing::Out("the directory marks the user inactive");
    }
    let matching: Vec<&OnboardingRule> = rules
        .iter()
        .filter(|rule| rule.group_id.is_none_or(|g| groups.contains(&g)))
        .collect();
    if matching.is_empty() {
        return Standing::Out(if rules.is_empty() {
            "the organization has no onboarding rule"
        } else {
            "no onboarding rule matches the user's groups"
        });
    }
    let source = if matching.iter().any(|rule| rule.group_id.is_none()) {
        OnboardingSource::Directory
    } else {
        OnboardingSource::DirectoryGroup
    };
    Standing::Onboarded {
        source,
        rules: matching.iter().map(|rule| rule.id).collect(),
    }
}

/// Where a person stands when several directory users are them: onboarded while any of
/// them is (by every rule that matches any), else out for the first reason given.
pub fn combined(standings: Vec<Standing>) -> Standing {
    let mut out = None;
    let mut onboarded: Option<(OnboardingSource, Vec<OnboardingRuleId>)> = None;
    for standing in standings {
        match standing {
            Standing::Onboarded { source, rules } => {
                let (best, all) = onboarded.get_or_insert((source, Vec::new()));
                if source == OnboardingSource::Directory {
                    *best = source;
                }
                for rule in rules {
                    if !all.contains(&rule) {
                        all.push(rule);
                    }
                }
            }
            Standing::Out(reason) => {
                out.get_or_insert(reason);
            }
        }
    }
    match (onboarded, out) {
        (Some((source, rules)), _) => Standing::Onboarded { source, rules },
        (None, reason) => {
            Standing::Out(reason.unwrap_or("the directory has no user for this person"))
        }
    }
}

/// What to do with the person's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberAction {
    Create(OnboardingSource),
    /// Make it `ACTIVE` from another status, with this source.
    Activate(OnboardingSource),
    /// Already active: keep it (with this source), and bring its rule grants in line.
    Keep(OnboardingSource),
    Suspend,
    Nothing,
}

/// The decision about a person's membership, given the member row (if any) and where the
/// directory user stands. Members added by hand are never touched; neither are members an
/// administrator removed.
pub fn decide(
    current: Option<&Member>,
    standing: &Standing,
) -> (MemberAction, ProvisioningOutcome) {
    if let Some(member) = current {
        if member.onboarding_source == OnboardingSource::Manual {
            return (
                MemberAction::Nothing,
                ProvisioningOutcome::ManualMemberUntouched,
            );
        }
        if member.status == MemberStatus::Removed {
            return (
                MemberAction::Nothing,
                ProvisioningOutcome::RemovedMemberUntouched,
            );
        }
        if member.status == MemberStatus::Suspended && !member.suspended_by_directory {
            return (
                MemberAction::Nothing,
                ProvisioningOutcome::SuspendedMemberUntouched,
            );
        }
    }
    match (current, standing) {
        (None, Standing::Onboarded { source, .. }) => (
            MemberAction::Create(*source),
            ProvisioningOutcome::MemberAdded,
        ),
        (Some(member), Standing::Onboarded { source, .. }) => {
            if member.status == MemberStatus::Active {
                (
                    MemberAction::Keep(*source),
                    ProvisioningOutcome::MemberUnchanged,
                )
            } else {
                (
                    MemberAction::Activate(*source),
                    ProvisioningOutcome::MemberReactivated,
                )
            }
        }
        (Some(member), Standing::Out(_)) if member.status.grants_apply() => {
            (MemberAction::Suspend, ProvisioningOutcome::MemberSuspended)
        }
        (Some(_), Standing::Out(_)) => {
            (MemberAction::Nothing, ProvisioningOutcome::MemberUnchanged)
        }
        (None, Standing::Out(_)) => (MemberAction::Nothing, ProvisioningOutcome::NotOnboarded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::MemberId;

    fn rule(group: Option<DirectoryGroupId>) -> OnboardingRule {
        OnboardingRule {
            id: OnboardingRuleId::new_random(),
            network_id: NetworkId::NONE,
            organization_id: OrganizationId::new_random(),
            group_id: group,
            role: "EMPLOYEE".into(),
            custom_role_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn member(status: MemberStatus, source: OnboardingSource) -> Member {
        Member {
            id: MemberId::new_random(),
            network_id: NetworkId::NONE,
            organization_id: OrganizationId::new_random(),
            user_id: UserId::new_random(),
            status,
            onboarding_source: source,
            external_id: None,
            calendar_integration_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            suspended_by_directory: false,
        }
    }

    #[test]
    fn rules_decide_who_is_onboarded() {
        let sales = DirectoryGroupId::new_random();
        let group_rule = rule(Some(sales));
        let in_sales = HashSet::from([sales]);
        assert!(matches!(
            standing(true, true, &in_sales, std::slice::from_ref(&group_rule)),
            Standing::Onboarded {
                source: OnboardingSource::DirectoryGroup,
                ..
            }
        ));
        assert!(matches!(
            standing(
                true,
                true,
                &HashSet::new(),
                std::slice::from_ref(&group_rule)
            ),
            Standing::Out(_)
        ));
        let all = rule(None);
        assert!(matches!(
            standing(true, true, &in_sales, &[group_rule, all.clone()]),
            Standing::Onboarded { source: OnboardingSource::Directory, ref rules } if rules.len() == 2
        ));
        assert!(matches!(
            standing(true, false, &in_sales, std::slice::from_ref(&all)),
            Standing::Out(_)
        ));
        assert!(matches!(
            standing(false, true, &in_sales, &[all]),
            Standing::Out(_)
        ));
    }

    #[test]
    fn manual_and_removed_members_are_left_alone() {
        let onboarded = Standing::Onboarded {
            source: OnboardingSource::Directory,
            rules: vec![],
        };
        let out = Standing::Out("inactive");
        let manual = member(MemberStatus::Active, OnboardingSource::Manual);
        assert_eq!(
            decide(Some(&manual), &out).1,
            ProvisioningOutcome::ManualMemberUntouched
        );
        let mut by_administrator = member(MemberStatus::Suspended, OnboardingSource::Directory);
        assert_eq!(
            decide(Some(&by_administrator), &onboarded).1,
            ProvisioningOutcome::SuspendedMemberUntouched
        );
        by_administrator.suspended_by_directory = true;
        assert_eq!(
            decide(Some(&by_administrator), &onboarded).1,
            ProvisioningOutcome::MemberReactivated
        );
        let removed = member(MemberStatus::Removed, OnboardingSource::Directory);
        assert_eq!(
            decide(Some(&removed), &onboarded).1,
            ProvisioningOutcome::RemovedMemberUntouched
        );
        let active = member(MemberStatus::Active, OnboardingSource::Directory);
        assert_eq!(
            decide(Some(&active), &out),
            (MemberAction::Suspend, ProvisioningOutcome::MemberSuspended)
        );
        let mut suspended = member(MemberStatus::Suspended, OnboardingSource::DirectoryGroup);
        suspended.suspended_by_directory = true;
        assert_eq!(
            decide(Some(&suspended), &onboarded),
            (
                MemberAction::Activate(OnboardingSource::Directory),
                ProvisioningOutcome::MemberReactivated
            )
        );
        assert_eq!(decide(None, &out).1, ProvisioningOutcome::NotOnboarded);
        assert_eq!(
            decide(None, &onboarded).0,
            MemberAction::Create(OnboardingSource::Directory)
        );
    }
}
