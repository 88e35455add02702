-- Co-location by network (docs/SCALING.md): every key and unique index of a network-scoped
-- table includes network_id, foreign keys between them too, and no global table references
-- a network-scoped one.

-- Routing tables (id → network) are global: the service writes and removes each routing row
-- in the transaction of its row, so they keep no foreign key into the network-scoped tables.
ALTER TABLE application_identities DROP CONSTRAINT application_identities_network_id_id_fkey;
ALTER TABLE integration_networks DROP CONSTRAINT integration_networks_network_id_id_fkey;
ALTER TABLE member_networks DROP CONSTRAINT member_networks_network_id_id_fkey;
ALTER TABLE custom_role_networks DROP CONSTRAINT custom_role_networks_network_id_id_fkey;

-- Contract accounts are global, so are their events: a table of their own, keyed by id.
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
        (actor_user_id IS NOT NULL)::integer + (actor_application_id IS NOT NULL)::integer
            + (actor_scim_token_id IS NOT NULL)::integer = 1)
);
INSERT INTO account_audit_events
    SELECT id, actor_user_id, actor_application_id, actor_scim_token_id, action, target_id,
           before_state, after_state, occurred_at
    FROM audit_events WHERE network_id IS NULL;
DELETE FROM audit_events WHERE network_id IS NULL;
ALTER TABLE audit_events ALTER COLUMN network_id SET NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (network_id, id);

-- Authorizations live in the customer's network, found by id through their routing table.
CREATE TABLE authorization_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL
);
INSERT INTO authorization_networks (id, network_id) SELECT id, network_id FROM authorizations;

-- Codes and token families are global (found by the hash or id a client presents); they
-- name their authorization by network and id, without a foreign key into its network.
ALTER TABLE oauth_codes DROP CONSTRAINT oauth_codes_authorization_id_fkey;
ALTER TABLE oauth_token_families DROP CONSTRAINT oauth_token_families_authorization_id_fkey;
ALTER TABLE oauth_token_families ADD COLUMN authorization_network_id TEXT;
UPDATE oauth_token_families AS f SET authorization_network_id = a.network_id
    FROM authorizations AS a WHERE a.id = f.authorization_id;
ALTER TABLE oauth_token_families ALTER COLUMN authorization_network_id SET NOT NULL;

ALTER TABLE authorizations DROP CONSTRAINT authorizations_pkey;
ALTER TABLE authorizations ADD PRIMARY KEY (network_id, id);
DROP INDEX authorizations_one_per_organization;
DROP INDEX authorizations_of_organization;
CREATE UNIQUE INDEX authorizations_one_per_organization
    ON authorizations (network_id, organization_id, application_id);
CREATE INDEX authorizations_of_application ON authorizations (application_id);
