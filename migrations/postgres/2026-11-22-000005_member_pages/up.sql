-- Keyset pages of one organization's members (ORDER BY id after a cursor) read only that
-- organization's index range, whatever the plan.
CREATE INDEX members_page ON members (network_id, organization_id, id);
