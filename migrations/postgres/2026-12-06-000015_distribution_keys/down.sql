DROP INDEX authorizations_of_application;
DROP INDEX authorizations_one_per_organization;
CREATE INDEX authorizations_of_organization ON authorizations (network_id, organization_id);
CREATE UNIQUE INDEX authorizations_one_per_organization
    ON authorizations (application_id, organization_id);
ALTER TABLE authorizations DROP CONSTRAINT authorizations_pkey;
ALTER TABLE authorizations ADD PRIMARY KEY (id);

ALTER TABLE oauth_token_families DROP COLUMN authorization_network_id;
ALTER TABLE oauth_token_families ADD CONSTRAINT oauth_token_families_authorization_id_fkey
    FOREIGN KEY (authorization_id) REFERENCES authorizations (id);
ALTER TABLE oauth_codes ADD CONSTRAINT oauth_codes_authorization_id_fkey
    FOREIGN KEY (authorization_id) REFERENCES authorizations (id);
DROP TABLE authorization_networks;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (id);
ALTER TABLE audit_events ALTER COLUMN network_id DROP NOT NULL;
INSERT INTO audit_events (id, network_id, organization_id, actor_user_id, actor_application_id,
        actor_scim_token_id, action, target_id, before_state, after_state, occurred_at)
    SELECT id, NULL, NULL, actor_user_id, actor_application_id, actor_scim_token_id, action,
           target_id, before_state, after_state, occurred_at
    FROM account_audit_events;
DROP TABLE account_audit_events;

ALTER TABLE custom_role_networks ADD CONSTRAINT custom_role_networks_network_id_id_fkey
    FOREIGN KEY (network_id, id) REFERENCES custom_roles (network_id, id) ON DELETE CASCADE;
ALTER TABLE member_networks ADD CONSTRAINT member_networks_network_id_id_fkey
    FOREIGN KEY (network_id, id) REFERENCES members (network_id, id) ON DELETE CASCADE;
ALTER TABLE integration_networks ADD CONSTRAINT integration_networks_network_id_id_fkey
    FOREIGN KEY (network_id, id) REFERENCES integrations (network_id, id) ON DELETE CASCADE;
ALTER TABLE application_identities ADD CONSTRAINT application_identities_network_id_id_fkey
    FOREIGN KEY (network_id, id) REFERENCES applications (network_id, id) ON DELETE CASCADE;
