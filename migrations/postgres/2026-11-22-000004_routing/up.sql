-- Global routing of applications and integrations, like `organization_networks`: the network
-- holding a row, found without knowing the network (by id in queries, mutations and
-- federation; by client id at the OAuth endpoints, which receive nothing else). Small tables
-- that would be replicated to every node once the network-keyed tables are distributed.
-- Each routing row goes with its row.
CREATE TABLE application_identities (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL UNIQUE,
    network_id  TEXT NOT NULL,
    FOREIGN KEY (network_id, id) REFERENCES applications (network_id, id) ON DELETE CASCADE
);

CREATE TABLE integration_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL,
    FOREIGN KEY (network_id, id) REFERENCES integrations (network_id, id) ON DELETE CASCADE
);
