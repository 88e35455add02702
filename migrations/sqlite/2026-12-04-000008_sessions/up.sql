-- Browser sessions of people signed in to Orgraph's own pages (GraphiQL, the consent page).
-- The cookie holds an opaque secret; only its SHA-256 is stored, so the table leaks no
-- usable session. Rows outlive restarts and are shared by every server process.
CREATE TABLE sessions (
    secret_hash   TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    -- Sent back by the page in a header with every cookie-authenticated request: a cookie
    -- alone never authorizes a request (CSRF).
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A sign-in at the OpenID Connect provider in progress: what the callback must match. Single
-- use, short-lived; keyed by the hash of the `state` sent to the provider.
CREATE TABLE sign_in_attempts (
    state_hash     TEXT PRIMARY KEY,
    code_verifier  TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    return_to      TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
