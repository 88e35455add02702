-- An organization's own definitions of settings. `value` is JSON text; the fold happens in the
-- domain layer, over the rows of one ancestor chain.
CREATE TABLE settings (
    network_id       TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    key              TEXT NOT NULL,
    value            TEXT NOT NULL,
    inherit          BOOLEAN NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, organization_id, key),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);

-- Keys an organization locks for its whole subtree.
CREATE TABLE setting_locks (
    network_id       TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    key              TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, organization_id, key),
    FOREIGN KEY (network_id, organization_id) REFERENCES organizations (network_id, id)
        ON DELETE CASCADE
);
