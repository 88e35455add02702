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

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER user_identities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_identities
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER organizations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER grants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER members_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER custom_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_roles
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER applications_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON applications
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER authorizations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON authorizations
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER oauth_token_families_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON oauth_token_families
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
-- A session's use moves last_seen_at forward once a minute: no change to what is cached.
-- Ending it, or moving any of its times back, is.
CREATE TRIGGER sessions_ended AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
        OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
        OR NEW.last_seen_at < OLD.last_seen_at)
    EXECUTE FUNCTION orgraph_changed();
CREATE TRIGGER sessions_deleted AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION orgraph_changed();
