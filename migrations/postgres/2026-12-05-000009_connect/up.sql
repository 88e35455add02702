-- Organization Connect (SPEC §5): an application's authorization on one customer
-- organization, and the OAuth codes and tokens issued under it. Every secret is stored as
-- its SHA-256 only.

-- One per (application, organization); consenting again updates the row (and revives a
-- revoked one: tokens of a revoked family stay revoked).
CREATE TABLE authorizations (
    id                          TEXT PRIMARY KEY,
    application_network_id      TEXT NOT NULL,
    application_id              TEXT NOT NULL,
    -- The customer organization, in its own network.
    network_id                  TEXT NOT NULL,
    organization_id             TEXT NOT NULL,
    scopes                      TEXT NOT NULL,
    include_sub_organizations   BOOLEAN NOT NULL,
    granted_by                  TEXT NOT NULL REFERENCES users (id),
    created_at                  TIMESTAMP NOT NULL,
    updated_at                  TIMESTAMP NOT NULL,
    last_used_at                TIMESTAMP,
    revoked_at                  TIMESTAMP
);
CREATE UNIQUE INDEX authorizations_one_per_organization
    ON authorizations (application_id, organization_id);
CREATE INDEX authorizations_of_organization ON authorizations (network_id, organization_id);

-- The tokens one code exchange started: its refresh tokens succeed each other, its access
-- tokens name it (`sid`). Revoking the family ends all of them at once.
CREATE TABLE oauth_token_families (
    id                  TEXT PRIMARY KEY,
    authorization_id    TEXT NOT NULL REFERENCES authorizations (id),
    scopes              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    revoked_at          TIMESTAMP
);
CREATE INDEX oauth_token_families_of_authorization ON oauth_token_families (authorization_id);

-- Authorization codes: single use, short-lived, bound to client, redirect URI and PKCE
-- challenge. `family_id` is set by the exchange, so that a second use revokes its tokens.
CREATE TABLE oauth_codes (
    code_hash           TEXT PRIMARY KEY,
    authorization_id    TEXT NOT NULL REFERENCES authorizations (id),
    client_id           TEXT NOT NULL,
    redirect_uri        TEXT NOT NULL,
    code_challenge      TEXT,
    scopes              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    used_at             TIMESTAMP,
    family_id           TEXT
);

-- Refresh tokens, rotated on every use: a spent one presented again revokes its family.
CREATE TABLE oauth_refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL REFERENCES oauth_token_families (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    spent_at    TIMESTAMP
);
CREATE INDEX oauth_refresh_tokens_of_family ON oauth_refresh_tokens (family_id);

-- The key Orgraph signs its access tokens with when none is configured (development): kept
-- here so that it survives restarts and every server process shares it.
CREATE TABLE oauth_signing_keys (
    kid         TEXT PRIMARY KEY,
    pkcs8       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- An audit event's actor is a person or an application acting through its authorization:
-- exactly one of the two ids.
ALTER TABLE audit_events ALTER COLUMN actor_user_id DROP NOT NULL;
ALTER TABLE audit_events ADD COLUMN actor_application_id TEXT;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_one_actor
    CHECK ((actor_user_id IS NULL) <> (actor_application_id IS NULL));
