-- People signed in through an OpenID Connect provider are known by (issuer, subject), the
-- identity a provider guarantees; email and name are attributes that may change or be missing.
CREATE TABLE user_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- A user may have no email (many providers put none in access tokens). SQLite can't drop a
-- NOT NULL constraint, so the column is replaced. `email_key` stays NOT NULL UNIQUE: a user
-- without a verified email gets a key no address can produce (no '@').
ALTER TABLE users ADD COLUMN email_address TEXT;
UPDATE users SET email_address = email;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users RENAME COLUMN email_address TO email;
