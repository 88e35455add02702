ALTER TABLE users ADD COLUMN email_required TEXT NOT NULL DEFAULT '';
UPDATE users SET email_required = COALESCE(email, '');
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users RENAME COLUMN email_required TO email;
DROP TABLE user_identities;
