DROP INDEX authorizations_of_application;
ALTER TABLE oauth_token_families DROP COLUMN authorization_network_id;
DROP TABLE authorization_networks;
INSERT INTO audit_events (id, network_id, organization_id, actor_user_id, actor_application_id,
        actor_scim_token_id, action, target_id, before_state, after_state, occurred_at)
    SELECT id, NULL, NULL, actor_user_id, actor_application_id, actor_scim_token_id, action,
           target_id, before_state, after_state, occurred_at
    FROM account_audit_events;
DROP TABLE account_audit_events;
