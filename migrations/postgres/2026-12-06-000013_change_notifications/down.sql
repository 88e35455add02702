DROP TRIGGER sessions_deleted ON sessions;
DROP TRIGGER sessions_ended ON sessions;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'user_identities', 'organizations', 'grants', 'members',
        'custom_roles', 'applications', 'authorizations', 'oauth_token_families']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_changed', t);
    END LOOP;
END
$$;
DROP FUNCTION orgraph_changed();
