CREATE TABLE audit_events_people_only (
    id               TEXT PRIMARY KEY,
    network_id       TEXT,
    organization_id  TEXT,
    actor_user_id    TEXT NOT NULL,
    action           TEXT NOT NULL,
    target_id        TEXT,
    before_state     TEXT,
    after_state      TEXT,
    occurred_at      TIMESTAMP NOT NULL
);
INSERT INTO audit_events_people_only
    SELECT id, network_id, organization_id, actor_user_id, action, target_id, before_state,
           after_state, occurred_at
    FROM audit_events WHERE actor_user_id IS NOT NULL;
DROP TABLE audit_events;
ALTER TABLE audit_events_people_only RENAME TO audit_events;
CREATE INDEX audit_events_organization ON audit_events (network_id, organization_id, occurred_at, id);
DROP TABLE oauth_signing_keys;
DROP TABLE oauth_refresh_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_token_families;
DROP TABLE authorizations;
