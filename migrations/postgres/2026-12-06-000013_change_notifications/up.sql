-- Every server process caches who is calling and what they hold (service::cache) while the
-- database is unchanged. A write to what those answers are read from notifies every process
-- (store::Changes listens), whoever wrote it: a server, a script or psql. The payload is the
-- writing server's mark (each connection sets orgraph.process), so a server skips its own.
-- NOTIFY folds identical notifications of one transaction into one.
CREATE FUNCTION orgraph_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orgraph_changes', coalesce(current_setting('orgraph.process', true), ''));
    RETURN NULL;
END
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'user_identities', 'organizations', 'grants', 'members',
        'custom_roles', 'applications', 'authorizations', 'oauth_token_families']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed()', t || '_changed', t);
    END LOOP;
END
$$;
-- A session's use moves last_seen_at forward once a minute: no change to what is cached.
-- Ending it, or moving any of its times back, is.
CREATE TRIGGER sessions_ended AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
        OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
        OR NEW.last_seen_at < OLD.last_seen_at)
    EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER sessions_deleted AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
