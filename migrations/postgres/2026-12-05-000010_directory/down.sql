DELETE FROM audit_events WHERE actor_scim_token_id IS NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_one_actor;
ALTER TABLE audit_events DROP COLUMN actor_scim_token_id;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_one_actor
    CHECK ((actor_user_id IS NULL) <> (actor_application_id IS NULL));
DROP TABLE provisioning_events;
ALTER TABLE members DROP COLUMN suspended_by_directory;
DROP INDEX grants_onboarding_rule;
ALTER TABLE grants DROP COLUMN onboarding_rule_id;
DROP TABLE onboarding_rules;
DROP TABLE directory_group_members;
DROP TABLE directory_groups;
DROP TABLE directory_users;
DROP TABLE scim_tokens;
