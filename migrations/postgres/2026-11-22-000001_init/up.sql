-- Global tables: small, and reference tables once the data is sharded by network.
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL UNIQUE,
    name        TEXT,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE contract_accounts (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    billing_email  TEXT NOT NULL,
    plan           TEXT NOT NULL,
    owner_user_id  TEXT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX contract_accounts_owner ON contract_accounts (owner_user_id);

-- One row per tree. `next_seq` hands out the path segments of its organizations; updating it
-- is also the per-network lock that serializes structural changes across server processes.
CREATE TABLE networks (
    id          TEXT PRIMARY KEY,
    next_seq    BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Materialized path: `path` is the chain of `seq`s from the root, each base-36 and ended by '.'.
-- Ancestors are one IN lookup on (network_id, path); a subtree is one range scan; a move is one
-- UPDATE rewriting the prefix. "C" collation keeps byte order, which the range scans rely on.
CREATE TABLE organizations (
    network_id           TEXT NOT NULL REFERENCES networks (id),
    id                   TEXT NOT NULL,
    seq                  BIGINT NOT NULL,
    parent_id            TEXT,
    path                 TEXT COLLATE "C" NOT NULL,
    depth                INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    contract_account_id  TEXT NOT NULL REFERENCES contract_accounts (id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP,
    purge_after          TIMESTAMP,
    deletion_id          TEXT,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, parent_id) REFERENCES organizations (network_id, id)
);
CREATE UNIQUE INDEX organizations_path ON organizations (network_id, path);
CREATE UNIQUE INDEX organizations_live_sibling_name
    ON organizations (network_id, parent_id, name_key) WHERE deleted_at IS NULL;
CREATE INDEX organizations_contract_account ON organizations (contract_account_id);
CREATE INDEX organizations_purge_after ON organizations (purge_after) WHERE purge_after IS NOT NULL;

-- Routing table: an API caller names an organization by id alone; this finds its network so
-- that every other statement can name the network (distributed by id when sharded).
CREATE TABLE organization_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL
);

CREATE TABLE grants (
    network_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id),
    role             TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
);
CREATE INDEX grants_user ON grants (user_id, network_id);
CREATE INDEX grants_organization ON grants (network_id, organization_id);
