-- Directory onboarding (SPEC §4, §8): an organization's directory as its identity provider
-- pushes it over SCIM 2.0, the rules that turn directory users into members, and what each
-- provisioning request did to whom.

-- A directory's credential for one organization. Only the SHA-256 of the secret is kept.
CREATE TABLE scim_tokens (
    network_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    description      TEXT NOT NULL,
    secret_hash      TEXT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    revoked_at       TIMESTAMP,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE INDEX scim_tokens_organization ON scim_tokens (network_id, organization_id);
-- `revokeScimToken` names a token by id alone.
CREATE INDEX scim_tokens_id ON scim_tokens (id);

-- Users as the directory pushed them. `resource` holds the SCIM attributes (JSON, canonical
-- names); the columns beside it are what filters, uniqueness and onboarding look at.
-- `*_key` columns are lowercased for case-insensitive matching (RFC 7643 `caseExact: false`).
CREATE TABLE directory_users (
    network_id        TEXT NOT NULL,
    id                TEXT NOT NULL,
    organization_id   TEXT NOT NULL,
    user_name         TEXT NOT NULL,
    user_name_key     TEXT NOT NULL,
    external_id       TEXT,
    display_name_key  TEXT,
    email_key         TEXT,
    active            BOOLEAN NOT NULL,
    -- The person the directory user is (found or created by email when first onboarded),
    -- kept so that a changed userName or email still names the same member.
    person_id         TEXT REFERENCES users (id),
    resource          TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX directory_users_user_name
    ON directory_users (network_id, organization_id, user_name_key);
CREATE INDEX directory_users_external_id
    ON directory_users (network_id, organization_id, external_id);
CREATE INDEX directory_users_email ON directory_users (network_id, organization_id, email_key);
-- The directory users that are one person (`person_id`), for decisions per person.
CREATE INDEX directory_users_person ON directory_users (network_id, organization_id, person_id);
CREATE INDEX directory_users_listing
    ON directory_users (network_id, organization_id, created_at, id);

CREATE TABLE directory_groups (
    network_id        TEXT NOT NULL,
    id                TEXT NOT NULL,
    organization_id   TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    display_name_key  TEXT NOT NULL,
    external_id       TEXT,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX directory_groups_display_name
    ON directory_groups (network_id, organization_id, display_name_key);
CREATE INDEX directory_groups_listing
    ON directory_groups (network_id, organization_id, created_at, id);

CREATE TABLE directory_group_members (
    network_id  TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    PRIMARY KEY (network_id, group_id, user_id),
    FOREIGN KEY (network_id, group_id) REFERENCES directory_groups (network_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (network_id, user_id) REFERENCES directory_users (network_id, id)
        ON DELETE CASCADE
);
CREATE INDEX directory_group_members_user ON directory_group_members (network_id, user_id);

-- Who the directory makes a member: all its users (`group_id` NULL) or one group's, each
-- with a role granted on the organization. One rule per (organization, group).
CREATE TABLE onboarding_rules (
    network_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    group_id         TEXT,
    role             TEXT NOT NULL,
    custom_role_id   TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (network_id, group_id) REFERENCES directory_groups (network_id, id)
);
-- The rule mutations name a rule by id alone.
CREATE INDEX onboarding_rules_id ON onboarding_rules (id);
CREATE UNIQUE INDEX onboarding_rules_all_users
    ON onboarding_rules (network_id, organization_id) WHERE group_id IS NULL;
CREATE UNIQUE INDEX onboarding_rules_group
    ON onboarding_rules (network_id, organization_id, group_id) WHERE group_id IS NOT NULL;

-- Set when the directory suspended the member (and so may reactivate it); a suspension by
-- an administrator is theirs to lift.
ALTER TABLE members ADD COLUMN suspended_by_directory BOOLEAN NOT NULL DEFAULT FALSE;

-- A grant the directory made through a rule (NULL: made by a person).
ALTER TABLE grants ADD COLUMN onboarding_rule_id TEXT;
CREATE INDEX grants_onboarding_rule ON grants (network_id, onboarding_rule_id);

-- What each provisioning step did to a directory user's membership, and why.
CREATE TABLE provisioning_events (
    network_id         TEXT NOT NULL,
    id                 TEXT NOT NULL,
    organization_id    TEXT NOT NULL,
    scim_token_id      TEXT,
    operation          TEXT NOT NULL,
    directory_user_id  TEXT,
    user_name          TEXT,
    outcome            TEXT NOT NULL,
    detail             TEXT NOT NULL,
    occurred_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE INDEX provisioning_events_listing
    ON provisioning_events (network_id, organization_id, occurred_at, id);

-- A third kind of actor: a directory, through its SCIM token.
ALTER TABLE audit_events ADD COLUMN actor_scim_token_id TEXT;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_one_actor;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_one_actor CHECK (
    (actor_user_id IS NOT NULL)::int + (actor_application_id IS NOT NULL)::int
        + (actor_scim_token_id IS NOT NULL)::int = 1
);
