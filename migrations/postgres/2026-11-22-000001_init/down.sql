DROP TABLE grants;
DROP TABLE organization_networks;
DROP TABLE organizations;
DROP TABLE networks;
DROP TABLE contract_accounts;
DROP TABLE users;
