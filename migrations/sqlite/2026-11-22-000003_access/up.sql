-- People in organizations. Removing a member is a status change: the row stays.
CREATE TABLE members (
    network_id               TEXT NOT NULL,
    id                       TEXT NOT NULL,
    organization_id          TEXT NOT NULL,
    user_id                  TEXT NOT NULL REFERENCES users (id),
    status                   TEXT NOT NULL,
    onboarding_source        TEXT NOT NULL,
    external_id              TEXT,
    calendar_integration_id  TEXT,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX members_user_per_organization ON members (network_id, organization_id, user_id);
CREATE INDEX members_user ON members (user_id);

-- Roles defined on an organization, usable in its subtree. `permissions` is a space-separated
-- list of permission names.
CREATE TABLE custom_roles (
    network_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    name             TEXT NOT NULL,
    permissions      TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX custom_roles_name ON custom_roles (network_id, organization_id, name);

-- A grant names a built-in role or a custom role, and may be scoped to one application.
ALTER TABLE grants ADD COLUMN custom_role_id TEXT;
ALTER TABLE grants ADD COLUMN application_id TEXT;

-- Integrator applications. The client secret is kept only as a hash.
CREATE TABLE applications (
    network_id          TEXT NOT NULL,
    id                  TEXT NOT NULL,
    organization_id     TEXT NOT NULL,
    name                TEXT NOT NULL,
    environment         TEXT NOT NULL,
    client_id           TEXT NOT NULL UNIQUE,
    client_secret_hash  TEXT,
    redirect_uris       TEXT NOT NULL,
    allowed_scopes      TEXT NOT NULL,
    public              BOOLEAN NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE INDEX applications_organization ON applications (network_id, organization_id);

-- Customer integrations (calendars, conferencing, integrator apps). `configuration` is JSON
-- without secrets.
CREATE TABLE integrations (
    network_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    provider         TEXT NOT NULL,
    status           TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    configuration    TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
CREATE INDEX integrations_organization ON integrations (network_id, organization_id);

-- Every mutation appends one event in its own transaction. Events of global objects
-- (contract accounts) have no network.
CREATE TABLE audit_events (
    id               TEXT PRIMARY KEY,
    network_id       TEXT,
    organization_id  TEXT,
    actor_user_id    TEXT NOT NULL,
    action           TEXT NOT NULL,
    target_id        TEXT,
    before_state     TEXT,
    after_state      TEXT,
    occurred_at      TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_organization ON audit_events (network_id, organization_id, occurred_at, id);
