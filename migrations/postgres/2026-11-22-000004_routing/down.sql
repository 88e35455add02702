DROP TABLE integration_networks;
DROP TABLE application_identities;
