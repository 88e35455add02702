CREATE TABLE audit_events_without_directories (
    id                    TEXT PRIMARY KEY,
    network_id            TEXT,
    organization_id       TEXT,
    actor_user_id         TEXT,
    actor_application_id  TEXT,
    action                TEXT NOT NULL,
    target_id             TEXT,
    before_state          TEXT,
    after_state           TEXT,
    occurred_at           TIMESTAMP NOT NULL,
    CHECK ((actor_user_id IS NULL) <> (actor_application_id IS NULL))
);
INSERT INTO audit_events_without_directories
    SELECT id, network_id, organization_id, actor_user_id, actor_application_id, action,
           target_id, before_state, after_state, occurred_at
    FROM audit_events WHERE actor_scim_token_id IS NULL;
DROP TABLE audit_events;
ALTER TABLE audit_events_without_directories RENAME TO audit_events;
CREATE INDEX audit_events_organization ON audit_events (network_id, organization_id, occurred_at, id);
DROP TABLE provisioning_events;
ALTER TABLE members DROP COLUMN suspended_by_directory;
DROP INDEX grants_onboarding_rule;
ALTER TABLE grants DROP COLUMN onboarding_rule_id;
DROP TABLE onboarding_rules;
DROP TABLE directory_group_members;
DROP TABLE directory_groups;
DROP TABLE directory_users;
DROP TABLE scim_tokens;
