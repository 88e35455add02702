//! Onboarding: SCIM tokens, onboarding rules, and the reconciliation that turns directory
//! users into members (SPEC §4) after every directory or rule change.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::{scim_tokens, Principal};
use crate::domain::audit::AuditEvent;
use crate::domain::directory::{
    combined, decide, standing, DirectoryGroup, DirectoryUser, MemberAction, OnboardingRule,
    ProvisioningOutcome, ScimToken, Standing, SCIM_TOKEN_DESCRIPTION_MAX_CHARS,
};
use crate::domain::ids::{
    DirectoryGroupId, DirectoryUserId, GrantId, MemberId, NetworkId, OnboardingRuleId,
    OrganizationId, ProvisioningEventId, ScimTokenId, UserId,
};
use crate::domain::members::{check_no_escalation, Member, MemberStatus, OnboardingSource};
use crate::domain::name::Name;
use crate::domain::organization::Organization;
use crate::domain::permissions::{effective_permissions, Permission};
use crate::store::onboarding::ProvisioningEvent;
use crate::store::{directory, members, onboarding, users, DbConnection};

use super::access::{check, locked_live, person, placed_grants_in, require, require_reach_below};
use super::audit::{entry, record, record_all, Change};
use super::error::{ApiError, ApiResult};
use super::members::role_to_grant;
use super::Services;

/// Why reconciliation runs, for the provisioning events and audit entries it writes.
pub(super) struct Step<'a> {
    pub principal: &'a Principal,
    pub org: &'a Organization,
    /// E.g. `POST /Users` or `createOnboardingRule`.
    pub operation: &'a str,
    pub now: DateTime<Utc>,
    /// The step's audit entries, written in one statement when it ends: a SCIM request
    /// audits the directory's change, a member and its grants while holding the network lock.
    audit: RefCell<Vec<AuditEvent>>,
}

impl<'a> Step<'a> {
    /// Runs `work` as one step, then writes the entries it audited.
    pub fn run<T>(
        conn: &mut DbConnection,
        principal: &'a Principal,
        org: &'a Organization,
        operation: &'a str,
        now: DateTime<Utc>,
        work: impl FnOnce(&mut DbConnection, &Step<'a>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let step = Step {
            principal,
            org,
            operation,
            now,
            audit: RefCell::new(Vec::new()),
        };
        let done = work(conn, &step)?;
        record_all(conn, &step.audit.into_inner())?;
        Ok(done)
    }

    /// Audits `change` as the step's principal, written when the step ends.
    pub fn audit(&self, change: Change<'_>) {
        let entry = entry(self.principal, change, self.now);
        self.audit.borrow_mut().push(entry);
    }
}

/// Brings the memberships of `users` in line with the organization's rules: `present` are
/// the directory's users as they now are, `deleted` those it just deleted. Writes the member
/// changes, their audit entries and one provisioning event per user.
///
/// Decisions are per person: when several directory users are the same person (one's
/// userName is another's work email), the person is a member while any of them is onboarded.
pub(super) fn reconcile(
    conn: &mut DbConnection,
    step: &Step<'_>,
    present: Vec<DirectoryUser>,
    deleted: Vec<DirectoryUser>,
) -> ApiResult<()> {
    if present.is_empty() && deleted.is_empty() {
        return Ok(());
    }
    let org = step.org;
    let network = org.network_id;
    let rules = onboarding::rules_of(conn, network, org.id)?;
    let no_groups = HashSet::new();
    let groups = groups_of(conn, network, &rules, &present)?;
    let mut batch: Vec<(DirectoryUser, Standing)> = present
        .into_iter()
        .map(|user| {
            let groups = groups.get(&user.id).unwrap_or(&no_groups);
            let standing = standing(true, user.active(), groups, &rules);
            (user, standing)
        })
        .collect();
    batch.extend(deleted.into_iter().map(|user| {
        let standing = standing(false, false, &no_groups, &rules);
        (user, standing)
    }));

    // The person each onboarded directory user is, found or created by email once.
    let mut new_persons = HashSet::new();
    for (user, standing) in &mut batch {
        if user.person_id.is_none() && matches!(standing, Standing::Onboarded { .. }) {
            if let Some(email) = user.person_email() {
                let name = user.person_name();
                let (person, new) =
                    users::find_or_create_new(conn, &email, name.as_deref(), step.now)?;
                if new {
                    new_persons.insert(person.id);
                }
                user.person_id = Some(person.id);
                directory::update_user(conn, user)?;
            }
        }
    }
    let mut persons: Vec<UserId> = batch.iter().filter_map(|(u, _)| u.person_id).collect();
    persons.sort();
    persons.dedup();
    // Persons created just now have no other directory user, membership or grant to read.
    let known: Vec<UserId> = persons
        .iter()
        .copied()
        .filter(|p| !new_persons.contains(p))
        .collect();

    // Where each person stands: over every present directory user that is them, those of
    // this step as they now are and the others as stored.
    let mut by_person: HashMap<UserId, Vec<Standing>> = HashMap::new();
    for (user, standing) in &batch {
        if let Some(person) = user.person_id {
            by_person.entry(person).or_default().push(standing.clone());
        }
    }
    let in_batch: HashSet<DirectoryUserId> = batch.iter().map(|(u, _)| u.id).collect();
    let others: Vec<DirectoryUser> = if known.is_empty() {
        Vec::new()
    } else {
        directory::users_of_persons(conn, network, org.id, &known)?
            .into_iter()
            .filter(|u| !in_batch.contains(&u.id))
            .collect()
    };
    let other_groups = groups_of(conn, network, &rules, &others)?;
    for user in &others {
        if let Some(person) = user.person_id {
            let groups = other_groups.get(&user.id).unwrap_or(&no_groups);
            let standing = standing(true, user.active(), groups, &rules);
            by_person.entry(person).or_default().push(standing);
        }
    }

    let mut current: HashMap<UserId, Member> = HashMap::new();
    let mut held: HashMap<UserId, Vec<(OnboardingRuleId, GrantId)>> = HashMap::new();
    if !known.is_empty() {
        for member in members::of_users_in(conn, network, org.id, &known)? {
            current.insert(member.user_id, member);
        }
        for (person, rule, grant) in onboarding::rule_grants(conn, network, org.id, &known)? {
            held.entry(person).or_default().push((rule, grant));
        }
    }
    let mut outcomes: HashMap<UserId, ProvisioningOutcome> = HashMap::new();
    for person in &persons {
        let standing = combined(by_person.remove(person).unwrap_or_default());
        // The member's `externalId` (SPEC §3): the directory's id of the user it stems from.
        let external_id = batch
            .iter()
            .find(|(u, _)| u.person_id == Some(*person))
            .map(|(u, _)| {
                u.external_id()
                    .map_or_else(|| u.id.to_string(), str::to_owned)
            });
        let membership = Membership {
            person: *person,
            external_id,
            existing: current.remove(person),
            held: held.remove(person).unwrap_or_default(),
        };
        let outcome = bring_in_line(conn, step, &rules, membership, &standing)?;
        outcomes.insert(*person, outcome);
    }

    let events: Vec<ProvisioningEvent> = batch
        .iter()
        .map(|(user, standing)| {
            let (outcome, detail) = match (user.person_id, standing) {
                (None, Standing::Onboarded { .. }) => (
                    ProvisioningOutcome::NoEmail,
                    "neither the userName nor an email is an email address to know the person by"
                        .to_owned(),
                ),
                (None, Standing::Out(reason)) => {
                    (ProvisioningOutcome::NotOnboarded, (*reason).to_owned())
                }
                (Some(person), standing) => {
                    let outcome = outcomes
                        .get(&person)
                        .copied()
                        .unwrap_or(ProvisioningOutcome::MemberUnchanged);
                    (outcome, explain(outcome, standing, &rules))
                }
            };
            event(step, user, outcome, detail)
        })
        .collect();
    onboarding::insert_events(conn, &events)?;
    Ok(())
}

/// The directory groups of `users`, read only when some rule is a group's.
fn groups_of(
    conn: &mut DbConnection,
    network: NetworkId,
    rules: &[OnboardingRule],
    users: &[DirectoryUser],
) -> ApiResult<HashMap<DirectoryUserId, HashSet<DirectoryGroupId>>> {
    let mut groups: HashMap<_, HashSet<DirectoryGroupId>> = HashMap::new();
    if users.is_empty() || rules.iter().all(|r| r.group_id.is_none()) {
        return Ok(groups);
    }
    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    for (user, group) in directory::groups_of_users(conn, network, &ids)? {
        groups.entry(user).or_default().insert(group);
    }
    Ok(groups)
}

/// Why, in words, for a provisioning event.
fn explain(outcome: ProvisioningOutcome, standing: &Standing, rules: &[OnboardingRule]) -> String {
    match (outcome, standing) {
        (ProvisioningOutcome::ManualMemberUntouched, _) => {
            "the member was added by hand; the directory never changes such members".to_owned()
        }
        (ProvisioningOutcome::RemovedMemberUntouched, _) => {
            "an administrator removed the member; the directory does not bring them back".to_owned()
        }
        (ProvisioningOutcome::SuspendedMemberUntouched, _) => {
            "an administrator suspended the member; the directory does not lift that".to_owned()
        }
        (_, Standing::Onboarded { rules: matched, .. }) => format!(
            "onboarded by {}",
            rules
                .iter()
                .filter(|r| matched.contains(&r.id))
                .map(|r| match r.group_id {
                    None => format!("the all-users rule ({})", r.role),
                    Some(_) => format!("a group rule ({})", r.role),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, Standing::Out(reason)) => (*reason).to_owned(),
    }
}

/// A person's membership of the organization as it was read: the member row, if any, and
/// the grants rules made to them there.
struct Membership {
    person: UserId,
    external_id: Option<String>,
    existing: Option<Member>,
    held: Vec<(OnboardingRuleId, GrantId)>,
}

/// One person's membership brought in line with where they stand: the member row, and the
/// grants of the rules that match them, each change audited.
fn bring_in_line(
    conn: &mut DbConnection,
    step: &Step<'_>,
    rules: &[OnboardingRule],
    membership: Membership,
    standing: &Standing,
) -> ApiResult<ProvisioningOutcome> {
    let org = step.org;
    let (action, mut outcome) = decide(membership.existing.as_ref(), standing);
    let member = match (action, membership.existing) {
        (MemberAction::Create(source), _) => {
            let member = Member {
                id: MemberId::new_random(),
                network_id: org.network_id,
                organization_id: org.id,
                user_id: membership.person,
                status: MemberStatus::Active,
                onboarding_source: source,
                external_id: membership.external_id,
                calendar_integration_id: None,
                created_at: step.now,
                updated_at: step.now,
                suspended_by_directory: false,
            };
            members::insert(conn, &member)?;
            audit_member(step, "directoryAddMember", &member, None);
            Some(member)
        }
        (MemberAction::Activate(source), Some(mut member)) => {
            let before = (member.status, member.onboarding_source);
            member.status = MemberStatus::Active;
            member.onboarding_source = source;
            member.suspended_by_directory = false;
            member.updated_at = step.now;
            members::update(conn, &member)?;
            audit_member(step, "directoryReactivateMember", &member, Some(before));
            Some(member)
        }
        (MemberAction::Keep(source), Some(mut member)) => {
            if member.onboarding_source != source {
                let before = (member.status, member.onboarding_source);
                member.onboarding_source = source;
                member.updated_at = step.now;
                members::update(conn, &member)?;
                audit_member(step, "directoryUpdateMember", &member, Some(before));
                outcome = ProvisioningOutcome::MemberUpdated;
            }
            Some(member)
        }
        (MemberAction::Suspend, Some(mut member)) => {
            let before = (member.status, member.onboarding_source);
            member.status = MemberStatus::Suspended;
            member.suspended_by_directory = true;
            member.updated_at = step.now;
            members::update(conn, &member)?;
            audit_member(step, "directorySuspendMember", &member, Some(before));
            None
        }
        _ => None,
    };
    // An active directory member holds exactly its matching rules' roles; a suspended one
    // keeps its grants, which stop applying while it is suspended.
    let Some(member) = member else {
        return Ok(outcome);
    };
    let wanted: Vec<&OnboardingRule> = match standing {
        Standing::Onboarded { rules: matched, .. } => {
            rules.iter().filter(|r| matched.contains(&r.id)).collect()
        }
        Standing::Out(_) => Vec::new(),
    };
    let mut changed = false;
    for (rule_id, grant) in &membership.held {
        if !wanted.iter().any(|w| w.id == *rule_id) {
            onboarding::delete_grants(conn, org.network_id, &[*grant])?;
            let rule = rules.iter().find(|r| r.id == *rule_id);
            audit_grant(step, GrantChange::Revoked, *grant, member.user_id, rule);
            changed = true;
        }
    }
    for rule in wanted {
        if !membership.held.iter().any(|(held, _)| *held == rule.id) {
            let grant = onboarding::insert_rule_grant(conn, rule, member.user_id, step.now)?;
            audit_grant(
                step,
                GrantChange::Granted,
                grant,
                member.user_id,
                Some(rule),
            );
            changed = true;
        }
    }
    if changed && outcome == ProvisioningOutcome::MemberUnchanged {
        outcome = ProvisioningOutcome::MemberUpdated;
    }
    Ok(outcome)
}

enum GrantChange {
    Granted,
    Revoked,
}

fn audit_grant(
    step: &Step<'_>,
    change: GrantChange,
    grant: GrantId,
    person: UserId,
    rule: Option<&OnboardingRule>,
) {
    let state = json!({
        "userId": person.to_string(),
        "role": rule.map(|r| r.role.clone()),
        "onboardingRuleId": rule.map(|r| r.id.to_string()),
    });
    let entry = match change {
        GrantChange::Granted => Change::of("directoryGrantRole", step.org)
            .target(grant)
            .after(state),
        GrantChange::Revoked => Change::of("directoryRevokeGrant", step.org)
            .target(grant)
            .before(state),
    };
    step.audit(entry);
}

fn event(
    step: &Step<'_>,
    user: &DirectoryUser,
    outcome: ProvisioningOutcome,
    detail: String,
) -> ProvisioningEvent {
    ProvisioningEvent {
        id: ProvisioningEventId::new_random(),
        network_id: step.org.network_id,
        organization_id: step.org.id,
        scim_token_id: match step.principal {
            Principal::Directory(caller) => Some(caller.token_id),
            _ => None,
        },
        operation: step.operation.to_owned(),
        directory_user_id: Some(user.id),
        user_name: Some(user.user_name().to_owned()),
        outcome,
        detail,
        occurred_at: step.now,
    }
}

fn audit_member(
    step: &Step<'_>,
    action: &str,
    member: &Member,
    before: Option<(MemberStatus, OnboardingSource)>,
) {
    let state = |status: MemberStatus, source: OnboardingSource| {
        json!({
            "userId": member.user_id.to_string(),
            "status": status.as_str(),
            "onboardingSource": source.as_str(),
        })
    };
    let mut change = Change::of(action, step.org)
        .target(member.id)
        .after(state(member.status, member.onboarding_source));
    if let Some((status, source)) = before {
        change = change.before(state(status, source));
    }
    step.audit(change);
}

impl Services {
    /// Issues a SCIM token for an organization's directory; the secret is returned once.
    pub async fn create_scim_token(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        description: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<(ScimToken, String)> {
        let description =
            Name::parse("description", description, SCIM_TOKEN_DESCRIPTION_MAX_CHARS)?
                .into_string();
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                require(conn, &principal, &org, Permission::MembersManage)?;
                let creator = person(&principal)?;
                let token = ScimToken {
                    id: ScimTokenId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    description,
                    created_by: creator.id,
                    created_at: now,
                    revoked_at: None,
                };
                let secret = scim_tokens::issue(network, token.id);
                directory::insert_token(conn, &token, &crate::auth::secrets::secret_hash(&secret))?;
                record(
                    conn,
                    &principal,
                    Change::of("createScimToken", &org)
                        .target(token.id)
                        .after(json!({ "description": token.description })),
                    now,
                )?;
                Ok((token, secret))
            })
            .await
    }

    /// Ends a SCIM token at once: its next request is refused.
    pub async fn revoke_scim_token(
        &self,
        principal: &Principal,
        id: ScimTokenId,
        now: DateTime<Utc>,
    ) -> ApiResult<ScimToken> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let token = directory::tokens_by_ids(conn, &[id])?
                    .into_iter()
                    .next()
                    .ok_or(ApiError::NotFound)?;
                let (_, org) = locked_live(conn, token.organization_id)?;
                require(conn, &principal, &org, Permission::MembersManage)?;
                let mut token =
                    directory::find_token(conn, org.network_id, id)?.ok_or(ApiError::NotFound)?;
                if token.revoked_at.is_none() {
                    directory::revoke_token(conn, &token, now)?;
                    token.revoked_at = Some(now);
                    record(
                        conn,
                        &principal,
                        Change::of("revokeScimToken", &org).target(token.id),
                        now,
                    )?;
                }
                Ok(token)
            })
            .await
    }

    /// Adds an onboarding rule (all directory users, or one group's) with a role, and
    /// onboards whoever it matches.
    pub async fn create_onboarding_rule(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        group: Option<DirectoryGroupId>,
        role: String,
        now: DateTime<Utc>,
    ) -> ApiResult<OnboardingRule> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (network, org) = locked_live(conn, organization)?;
                let (name, custom_role_id) = check_rule_role(conn, &principal, &org, &role)?;
                if let Some(group) = group {
                    directory::find_group(conn, network, org.id, group)?.ok_or_else(|| {
                        ApiError::bad_input(
                            "directoryGroupId",
                            "is not a group of this organization's directory",
                        )
                    })?;
                }
                if onboarding::rules_of(conn, network, org.id)?
                    .iter()
                    .any(|r| r.group_id == group)
                {
                    return Err(ApiError::Conflict(match group {
                        None => "the organization already has an all-users rule".into(),
                        Some(_) => "the organization already has a rule for this group".into(),
                    }));
                }
                let rule = OnboardingRule {
                    id: OnboardingRuleId::new_random(),
                    network_id: network,
                    organization_id: org.id,
                    group_id: group,
                    role: name,
                    custom_role_id,
                    created_at: now,
                    updated_at: now,
                };
                onboarding::insert_rule(conn, &rule)?;
                record(
                    conn,
                    &principal,
                    Change::of("createOnboardingRule", &org)
                        .target(rule.id)
                        .after(rule_state(&rule)),
                    now,
                )?;
                reconcile_all(conn, &principal, &org, "createOnboardingRule", now)?;
                Ok(rule)
            })
            .await
    }

    /// Changes a rule's role: the members it onboarded hold the new role instead.
    pub async fn update_onboarding_rule(
        &self,
        principal: &Principal,
        id: OnboardingRuleId,
        role: String,
        now: DateTime<Utc>,
    ) -> ApiResult<OnboardingRule> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, mut rule) = locked_rule(conn, id)?;
                let (name, custom_role_id) = check_rule_role(conn, &principal, &org, &role)?;
                let before = rule_state(&rule);
                rule.role = name;
                rule.custom_role_id = custom_role_id;
                rule.updated_at = now;
                onboarding::update_rule(conn, &rule)?;
                record(
                    conn,
                    &principal,
                    Change::of("updateOnboardingRule", &org)
                        .target(rule.id)
                        .before(before)
                        .after(rule_state(&rule)),
                    now,
                )?;
                Ok(rule)
            })
            .await
    }

    /// Deletes a rule and the grants it made; members it alone onboarded are suspended.
    pub async fn delete_onboarding_rule(
        &self,
        principal: &Principal,
        id: OnboardingRuleId,
        now: DateTime<Utc>,
    ) -> ApiResult<OnboardingRule> {
        let principal = principal.clone();
        self.store
            .write(move |conn| {
                let (org, rule) = locked_rule(conn, id)?;
                // Deleting a rule revokes the grants it made: what revoking them by hand needs.
                let role = rule
                    .custom_role_id
                    .map_or_else(|| rule.role.clone(), |id| id.to_string());
                check_rule_role(conn, &principal, &org, &role)?;
                onboarding::delete_rule(conn, &rule)?;
                record(
                    conn,
                    &principal,
                    Change::of("deleteOnboardingRule", &org)
                        .target(rule.id)
                        .before(rule_state(&rule)),
                    now,
                )?;
                reconcile_all(conn, &principal, &org, "deleteOnboardingRule", now)?;
                Ok(rule)
            })
            .await
    }
}

/// The role a rule may hand out: the caller manages members and roles there, reaches the
/// subtree (a grant does), and holds every permission of the role.
fn check_rule_role(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
    role: &str,
) -> ApiResult<(String, Option<crate::domain::ids::CustomRoleId>)> {
    let placed = placed_grants_in(conn, principal, org.network_id)?;
    let held = effective_permissions(&placed, org);
    check(held, Permission::MembersManage)?;
    check(held, Permission::RolesManage)?;
    require_reach_below(&placed, org, "an onboarding rule grants a role, which")?;
    let (name, custom_role_id, granted) = role_to_grant(conn, org, role)?;
    check_no_escalation(granted, held)?;
    Ok((name, custom_role_id))
}

fn locked_rule(
    conn: &mut DbConnection,
    id: OnboardingRuleId,
) -> ApiResult<(Organization, OnboardingRule)> {
    let rule = onboarding::find_rule_anywhere(conn, id)?.ok_or(ApiError::NotFound)?;
    let (network, org) = locked_live(conn, rule.organization_id)?;
    let rule = onboarding::find_rule(conn, network, id)?.ok_or(ApiError::NotFound)?;
    Ok((org, rule))
}

/// Deletes the rules of a group the directory deleted, each audited.
pub(super) fn delete_rules_of_group(
    conn: &mut DbConnection,
    step: &Step<'_>,
    group: &DirectoryGroup,
) -> ApiResult<()> {
    for rule in onboarding::rules_of(conn, group.network_id, group.organization_id)? {
        if rule.group_id == Some(group.id) {
            onboarding::delete_rule(conn, &rule)?;
            let change = Change::of("deleteOnboardingRule", step.org)
                .target(rule.id)
                .before(rule_state(&rule));
            step.audit(change);
        }
    }
    Ok(())
}

fn rule_state(rule: &OnboardingRule) -> serde_json::Value {
    json!({
        "directoryGroupId": rule.group_id.map(|g| g.to_string()),
        "role": rule.role,
    })
}

/// Reconciles every user of the organization's directory (after a rule changed).
fn reconcile_all(
    conn: &mut DbConnection,
    principal: &Principal,
    org: &Organization,
    operation: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let ids = directory::all_user_ids(conn, org.network_id, org.id)?;
    for chunk in ids.chunks(1_000) {
        Step::run(conn, principal, org, operation, now, |conn, step| {
            let users = directory::users_by_ids(conn, org.network_id, org.id, chunk)?;
            reconcile(conn, step, users, Vec::new())
        })?;
    }
    Ok(())
}

/// Reads for GraphQL, behind the resolvers' own permission checks.
impl Services {
    pub async fn scim_tokens_of(&self, org: Organization) -> ApiResult<Vec<ScimToken>> {
        self.store
            .read(move |conn| Ok(directory::tokens_of(conn, org.network_id, org.id)?))
            .await
    }

    pub async fn onboarding_rules_of(&self, org: Organization) -> ApiResult<Vec<OnboardingRule>> {
        self.store
            .read(move |conn| Ok(onboarding::rules_of(conn, org.network_id, org.id)?))
            .await
    }

    /// A page of the directory's users in creation order, after `after` (created, id).
    pub async fn directory_user_page(
        &self,
        org: Organization,
        after: Option<(DateTime<Utc>, String)>,
        limit: i64,
    ) -> ApiResult<(Vec<DirectoryUser>, i64)> {
        self.store
            .read(move |conn| {
                let after = after.map(|(time, id)| (time.naive_utc(), id));
                let users = directory::users_after(conn, org.network_id, org.id, after, limit)?;
                Ok((users, directory::count_users(conn, org.network_id, org.id)?))
            })
            .await
    }

    /// A keyset page of the directory's groups with how many members each has, and how
    /// many groups there are.
    pub async fn directory_group_page(
        &self,
        org: Organization,
        after: Option<(DateTime<Utc>, String)>,
        limit: i64,
    ) -> ApiResult<(Vec<(DirectoryGroup, i64)>, i64)> {
        self.store
            .read(move |conn| {
                let after = after.map(|(time, id)| (time.naive_utc(), id));
                let groups = directory::groups_after(conn, org.network_id, org.id, after, limit)?;
                let total = directory::count_groups(conn, org.network_id, org.id)?;
                Ok((with_counts(conn, org.network_id, groups)?, total))
            })
            .await
    }

    /// Groups of one network by id, with their member counts (a loader's batch).
    pub async fn directory_groups_by_id(
        &self,
        network: NetworkId,
        ids: Vec<DirectoryGroupId>,
    ) -> ApiResult<Vec<(DirectoryGroup, i64)>> {
        self.store
            .read(move |conn| {
                let groups = directory::groups_in_network(conn, network, &ids)?;
                with_counts(conn, network, groups)
            })
            .await
    }

    /// The groups of some directory users of one network: (user, group).
    pub async fn directory_groups_of_users(
        &self,
        network: NetworkId,
        users: Vec<DirectoryUserId>,
    ) -> ApiResult<Vec<(DirectoryUserId, DirectoryGroupId)>> {
        self.store
            .read(move |conn| Ok(directory::groups_of_users(conn, network, &users)?))
            .await
    }

    /// The newest provisioning events first, before `before` (time, id).
    pub async fn provisioning_event_page(
        &self,
        org: Organization,
        before: Option<(DateTime<Utc>, String)>,
        limit: i64,
    ) -> ApiResult<Vec<ProvisioningEvent>> {
        self.store
            .read(move |conn| {
                let before = before.map(|(time, id)| (time.naive_utc(), id));
                Ok(onboarding::events_of(
                    conn,
                    org.network_id,
                    org.id,
                    before,
                    limit,
                )?)
            })
            .await
    }

    /// The members that persons have in one organization.
    pub async fn members_of_persons(
        &self,
        network: NetworkId,
        organization: OrganizationId,
        persons: Vec<UserId>,
    ) -> ApiResult<Vec<Member>> {
        self.store
            .read(move |conn| Ok(members::of_users_in(conn, network, organization, &persons)?))
            .await
    }
}

fn with_counts(
    conn: &mut DbConnection,
    network: NetworkId,
    groups: Vec<DirectoryGroup>,
) -> ApiResult<Vec<(DirectoryGroup, i64)>> {
    let ids: Vec<_> = groups.iter().map(|g| g.id).collect();
    let counts = directory::member_counts(conn, network, &ids)?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let n = counts.get(&g.id).copied().unwrap_or(0);
            (g, n)
        })
        .collect())
}
