-- PostgreSQL drops applications' own unique key on client_id (see its migration); SQLite is
-- never distributed and keeps it (dropping it would mean rebuilding the table).
SELECT 1;
