-- Global routing of members and custom roles, like `integration_networks`: Relay's
-- `node(id:)` and federation's `Member` entity find them by id alone. Each routing row goes
-- with its row.
CREATE TABLE member_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL,
    FOREIGN KEY (network_id, id) REFERENCES members (network_id, id) ON DELETE CASCADE
);
INSERT INTO member_networks (id, network_id) SELECT id, network_id FROM members;

CREATE TABLE custom_role_networks (
    id          TEXT PRIMARY KEY,
    network_id  TEXT NOT NULL,
    FOREIGN KEY (network_id, id) REFERENCES custom_roles (network_id, id) ON DELETE CASCADE
);
INSERT INTO custom_role_networks (id, network_id) SELECT id, network_id FROM custom_roles;
