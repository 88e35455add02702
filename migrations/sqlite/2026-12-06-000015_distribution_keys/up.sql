-- The tables PostgreSQL needs for co-location by network (see its migration): contract
-- accounts' events in a table of their own, authorizations routed by id, token families
-- naming their authorization's network. SQLite is never distributed and keeps its keys and
-- foreign keys as they are.
CREATE TABLE account_audit_events (
    id                    TEXT PRIMARY KEY,
    actor_user_id         TEXT,
    actor_application_id  TEXT,
    actor_scim_token_id   TEXT,
    action                TEXT NOT NULL,
    target_id             TEXT,
    before_state          TEXT,
    after_state           TEXT,
    occurred_at           TIMESTAMP NOT NULL,
    CONSTRAINT account_audit_events_one_actor CHECK (
        (actor_user_id IS NOT NULL) + (actor_application_id IS NOT NULL)
            + (actor_scim_token_id IS NOT NULL) = 1)
);
INSERT INTO account_audit_events
    SELECT id, actor_user_id, actor_application_id, actor_scim_token_id, action, target_id,
           before_state, after_state, occurred_at
    FROM audit_events WHERE network_id IS NULL;
DELETE FROM audit_events WHERE network_id IS NULL;

CREATE TABLE authorization_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL
);
INSERT INTO authorization_networks (id, network_id) SELECT id, network_id FROM authorizations;

ALTER TABLE oauth_token_families ADD COLUMN authorization_network_id TEXT NOT NULL DEFAULT '';
UPDATE oauth_token_families SET authorization_network_id =
    (SELECT network_id FROM authorizations WHERE authorizations.id = oauth_token_families.authorization_id);

CREATE INDEX authorizations_of_application ON authorizations (application_id);
