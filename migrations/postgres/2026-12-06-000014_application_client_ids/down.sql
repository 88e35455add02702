ALTER TABLE applications ADD CONSTRAINT applications_client_id_key UNIQUE (client_id);
