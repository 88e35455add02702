//! Diesel table definitions, kept in step with `migrations/` by hand (both backends share them).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Nullable<Text>,
        email_key -> Text,
        name -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (secret_hash) {
        secret_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_attempts (state_hash) {
        state_hash -> Text,
        code_verifier -> Text,
        nonce -> Text,
        return_to -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(sessions, users);
diesel::joinable!(user_identities -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(user_identities, users);

diesel::table! {
    contract_accounts (id) {
        id -> Text,
        name -> Text,
        billing_email -> Text,
        plan -> Text,
        owner_user_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    networks (id) {
        id -> Text,
        next_seq -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (network_id, id) {
        network_id -> Text,
        id -> Text,
        seq -> BigInt,
        parent_id -> Nullable<Text>,
        path -> Text,
        depth -> Integer,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        contract_account_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        purge_after -> Nullable<Timestamp>,
        deletion_id -> Nullable<Text>,
        sets_contract_account -> Bool,
    }
}

diesel::table! {
    organization_networks (id) {
        id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    grants (network_id, id) {
        network_id -> Text,
        id -> Text,
        user_id -> Text,
        role -> Text,
        organization_id -> Text,
        created_at -> Timestamp,
        custom_role_id -> Nullable<Text>,
        application_id -> Nullable<Text>,
        onboarding_rule_id -> Nullable<Text>,
    }
}

diesel::joinable!(organizations -> contract_accounts (contract_account_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    contract_accounts,
    networks,
    organizations,
    organization_networks,
    grants,
);

diesel::table! {
    settings (network_id, organization_id, key) {
        network_id -> Text,
        organization_id -> Text,
        key -> Text,
        value -> Text,
        inherit -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    setting_locks (network_id, organization_id, key) {
        network_id -> Text,
        organization_id -> Text,
        key -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(settings, organizations);
diesel::allow_tables_to_appear_in_same_query!(setting_locks, organizations);
diesel::allow_tables_to_appear_in_same_query!(settings, setting_locks);

diesel::table! {
    members (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        user_id -> Text,
        status -> Text,
        onboarding_source -> Text,
        external_id -> Nullable<Text>,
        calendar_integration_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        suspended_by_directory -> Bool,
    }
}

diesel::table! {
    custom_roles (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        name -> Text,
        permissions -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    applications (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        name -> Text,
        environment -> Text,
        client_id -> Text,
        client_secret_hash -> Nullable<Text>,
        redirect_uris -> Text,
        allowed_scopes -> Text,
        public -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    integrations (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        kind -> Text,
        provider -> Text,
        status -> Text,
        display_name -> Text,
        configuration -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        network_id -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        actor_user_id -> Nullable<Text>,
        actor_application_id -> Nullable<Text>,
        actor_scim_token_id -> Nullable<Text>,
        action -> Text,
        target_id -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

// Events of contract accounts, which belong to no network.
diesel::table! {
    account_audit_events (id) {
        id -> Text,
        actor_user_id -> Nullable<Text>,
        actor_application_id -> Nullable<Text>,
        actor_scim_token_id -> Nullable<Text>,
        action -> Text,
        target_id -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(grants, custom_roles);
diesel::allow_tables_to_appear_in_same_query!(members, organizations);
diesel::allow_tables_to_appear_in_same_query!(members, users);
diesel::allow_tables_to_appear_in_same_query!(members, grants);
diesel::allow_tables_to_appear_in_same_query!(custom_roles, organizations);
diesel::allow_tables_to_appear_in_same_query!(applications, organizations);
diesel::allow_tables_to_appear_in_same_query!(integrations, organizations);
diesel::allow_tables_to_appear_in_same_query!(audit_events, organizations);

diesel::table! {
    application_identities (id) {
        id -> Text,
        client_id -> Text,
        network_id -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(application_identities, applications);
diesel::allow_tables_to_appear_in_same_query!(members, custom_roles);

diesel::table! {
    integration_networks (id) {
        id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    member_networks (id) {
        id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    custom_role_networks (id) {
        id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    authorizations (network_id, id) {
        id -> Text,
        application_network_id -> Text,
        application_id -> Text,
        network_id -> Text,
        organization_id -> Text,
        scopes -> Text,
        include_sub_organizations -> Bool,
        granted_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    authorization_networks (id) {
        id -> Text,
        network_id -> Text,
    }
}

diesel::table! {
    oauth_token_families (id) {
        id -> Text,
        authorization_id -> Text,
        authorization_network_id -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_codes (code_hash) {
        code_hash -> Text,
        authorization_id -> Text,
        client_id -> Text,
        redirect_uri -> Text,
        code_challenge -> Nullable<Text>,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        family_id -> Nullable<Text>,
    }
}

diesel::table! {
    oauth_refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_signing_keys (kid) {
        kid -> Text,
        pkcs8 -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(oauth_refresh_tokens -> oauth_token_families (family_id));
diesel::allow_tables_to_appear_in_same_query!(
    authorizations,
    oauth_token_families,
    oauth_refresh_tokens,
    oauth_codes,
    organizations,
);
diesel::allow_tables_to_appear_in_same_query!(authorizations, applications);
diesel::allow_tables_to_appear_in_same_query!(authorizations, authorization_networks);
diesel::allow_tables_to_appear_in_same_query!(oauth_token_families, applications);

diesel::table! {
    scim_tokens (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        description -> Text,
        secret_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    directory_users (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        user_name -> Text,
        user_name_key -> Text,
        external_id -> Nullable<Text>,
        display_name_key -> Nullable<Text>,
        email_key -> Nullable<Text>,
        active -> Bool,
        person_id -> Nullable<Text>,
        resource -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    directory_groups (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        display_name -> Text,
        display_name_key -> Text,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    directory_group_members (network_id, group_id, user_id) {
        network_id -> Text,
        group_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    onboarding_rules (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        group_id -> Nullable<Text>,
        role -> Text,
        custom_role_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    provisioning_events (network_id, id) {
        network_id -> Text,
        id -> Text,
        organization_id -> Text,
        scim_token_id -> Nullable<Text>,
        operation -> Text,
        directory_user_id -> Nullable<Text>,
        user_name -> Nullable<Text>,
        outcome -> Text,
        detail -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(scim_tokens, organizations);
diesel::allow_tables_to_appear_in_same_query!(directory_users, directory_group_members);
diesel::allow_tables_to_appear_in_same_query!(directory_groups, directory_group_members);
