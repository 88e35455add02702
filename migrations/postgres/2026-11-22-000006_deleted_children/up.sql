-- Deleted children of a parent, for `children(includeDeleted: true)` and its count: live
-- children are read from organizations_live_sibling_name, which leaves deleted rows out.
-- Only deleted rows are indexed, so writes of live organizations don't maintain it.
CREATE INDEX organizations_deleted_children
    ON organizations (network_id, parent_id, name_key, id) WHERE deleted_at IS NOT NULL;
