-- A lean write path (issue 11): each entity row carries the hash of its typed content,
-- computed once by the client (`store::hash`: SHA-256 truncated to 128 bits over a canonical
-- encoding of every typed column and, for invoices and costs, of their lines; `raw` is not
-- hashed). An upsert writes a row only when the hash differs (or the row was marked deleted),
-- and the outbox row is written from the upsert's own result, without reading the table again.
--
-- Rows written by earlier versions have no hash (NULL). The first upsert of such a row
-- compares its typed columns (and lines) with the incoming record and, when they are equal,
-- only fills in the hash: no rewrite, no outbox entry. The partial indexes find the tenants
-- that still have rows without a hash; they are empty on a database created by this version.
ALTER TABLE services ADD COLUMN content_hash bytea;
ALTER TABLE invoices ADD COLUMN content_hash bytea;
ALTER TABLE costs ADD COLUMN content_hash bytea;
ALTER TABLE expense_categories ADD COLUMN content_hash bytea;
ALTER TABLE departments ADD COLUMN content_hash bytea;
ALTER TABLE employees ADD COLUMN content_hash bytea;

CREATE INDEX services_hash_missing ON services (tenant_id) WHERE content_hash IS NULL;
CREATE INDEX invoices_hash_missing ON invoices (tenant_id) WHERE content_hash IS NULL;
CREATE INDEX costs_hash_missing ON costs (tenant_id) WHERE content_hash IS NULL;
CREATE INDEX expense_categories_hash_missing ON expense_categories (tenant_id) WHERE content_hash IS NULL;
CREATE INDEX departments_hash_missing ON departments (tenant_id) WHERE content_hash IS NULL;
CREATE INDEX employees_hash_missing ON employees (tenant_id) WHERE content_hash IS NULL;

-- The outbox's content_hash is now the hex of that hash (32 characters, as md5's was).
COMMENT ON COLUMN outbox.content_hash IS
    'hex of the 128-bit content hash of the typed row as queued (store::hash); ''deleted'' for a deletion';
