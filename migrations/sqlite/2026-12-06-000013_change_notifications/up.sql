-- Nothing to do on SQLite: a server process learns of other processes' commits from
-- PRAGMA data_version (store::Changes). Kept so both backends have the same migrations.
SELECT 1;
