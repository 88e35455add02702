-- Where a contract account is chosen rather than inherited: on roots, and on organizations
-- whose account differs from their parent's. Every organization's account is its nearest
-- such ancestor's (or its own), so the accounts used in a subtree are the subtree root's and
-- those of the marked rows inside it, which `billing:manage` reads without reading the
-- subtree. The partial index holds the marked rows alone: a move rewrites only theirs.
ALTER TABLE organizations ADD COLUMN sets_contract_account BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE organizations SET sets_contract_account = FALSE
WHERE EXISTS (
    SELECT 1 FROM organizations AS parent
    WHERE parent.network_id = organizations.network_id
      AND parent.id = organizations.parent_id
      AND parent.contract_account_id = organizations.contract_account_id
);
CREATE INDEX organizations_contract_account_roots
    ON organizations (network_id, path) WHERE sets_contract_account;
