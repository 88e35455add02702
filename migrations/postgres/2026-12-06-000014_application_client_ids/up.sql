-- Client ids are unique across networks through application_identities (the routing table,
-- global); the network-scoped applications table keeps no unique key without network_id, so
-- that it can be distributed by network (docs/SCALING.md). Lookups by client id go through
-- the routing table.
ALTER TABLE applications DROP CONSTRAINT applications_client_id_key;
