DROP TABLE audit_events;
DROP TABLE integrations;
DROP TABLE applications;
ALTER TABLE grants DROP COLUMN application_id;
ALTER TABLE grants DROP COLUMN custom_role_id;
DROP TABLE custom_roles;
DROP TABLE members;
