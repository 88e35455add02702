DELETE FROM audit_events WHERE actor_user_id IS NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_one_actor;
ALTER TABLE audit_events DROP COLUMN actor_application_id;
ALTER TABLE audit_events ALTER COLUMN actor_user_id SET NOT NULL;
DROP TABLE oauth_signing_keys;
DROP TABLE oauth_refresh_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_token_families;
DROP TABLE authorizations;
