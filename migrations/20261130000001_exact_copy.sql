-- An exact copy of NetSuite: deletions, paging integrity, reconciliation, rejected records.

-- A record NetSuite reports deleted (getDeleted), or that a complete full refresh no longer
-- finds, is marked here, never erased; a record that comes back (same internal id) is live
-- again (the upsert clears the mark). Lines stay with their header and follow its state.
ALTER TABLE services ADD COLUMN deleted_at timestamptz;
ALTER TABLE invoices ADD COLUMN deleted_at timestamptz;
ALTER TABLE costs ADD COLUMN deleted_at timestamptz;
ALTER TABLE expense_categories ADD COLUMN deleted_at timestamptz;
ALTER TABLE departments ADD COLUMN deleted_at timestamptz;
ALTER TABLE employees ADD COLUMN deleted_at timestamptz;

-- A queued change is an upsert (the row's content) or a deletion (the record is gone).
ALTER TABLE outbox ADD COLUMN op text NOT NULL DEFAULT 'upsert' CHECK (op IN ('upsert', 'delete'));

-- What the open pull was promised by its page 1, to check every later page against.
ALTER TABLE sync_cursors ADD COLUMN total_records integer;
ALTER TABLE sync_cursors ADD COLUMN page_size integer;
-- The next pull of this entity is a full one (a hole was found: inconsistent paging, drift).
ALTER TABLE sync_cursors ADD COLUMN force_full boolean NOT NULL DEFAULT false;
ALTER TABLE sync_cursors ADD COLUMN force_full_reason text;
-- Whether the open pull is a periodic full refresh (it marks as deleted what it no longer finds).
ALTER TABLE sync_cursors ADD COLUMN pull_refresh boolean NOT NULL DEFAULT false;
-- When the last complete full pull finished (schedule.full_every counts from here).
ALTER TABLE sync_cursors ADD COLUMN last_full_at timestamptz;
-- getDeleted's own high-water mark: deletions on or after this (minus the overlap) are asked for.
ALTER TABLE sync_cursors ADD COLUMN deleted_high_water timestamptz;

-- Every internal id received by the open pull, written with its page: a page that repeats an
-- id of another page is an overlap, and the pull is complete only when the distinct ids
-- received equal the search's totalRecords. Emptied when a pull begins.
CREATE TABLE pull_seen (
    tenant_id    text NOT NULL,
    entity       text NOT NULL,
    internal_id  text NOT NULL,
    page         integer NOT NULL,
    PRIMARY KEY (tenant_id, entity, internal_id)
);

-- Records that could not be converted (a date that is not a date, a missing required field):
-- kept with the error and their XML, tried again by every run, removed when read correctly.
CREATE TABLE rejected_records (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    entity       text NOT NULL,
    -- The internal id when it could be read, else 'xml:' || md5 of the XML.
    record_key   text NOT NULL,
    internal_id  text,
    error        text NOT NULL,
    xml          text NOT NULL,
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, entity, record_key)
);

-- Drift checks: NetSuite's count for an entity's whole scope against our live rows.
CREATE TABLE reconciliations (
    id           bigserial PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    entity       text NOT NULL,
    run_id       uuid,
    checked_at   timestamptz NOT NULL DEFAULT now(),
    remote       bigint NOT NULL,
    local        bigint NOT NULL,
    drift        boolean NOT NULL
);
CREATE INDEX reconciliations_latest ON reconciliations (tenant_id, entity, checked_at DESC);

-- Runs and entities may now end with deletions counted.
ALTER TABLE sync_runs ADD COLUMN deleted bigint NOT NULL DEFAULT 0;
ALTER TABLE sync_run_entities ADD COLUMN deleted bigint NOT NULL DEFAULT 0;
ALTER TABLE sync_run_entities ADD COLUMN rejected bigint NOT NULL DEFAULT 0;

-- Views count live records only.
DROP VIEW service_invoices;
CREATE VIEW service_invoices AS
SELECT i.*, s.discovered_at AS service_discovered_at
FROM invoices i
JOIN services s ON s.tenant_id = i.tenant_id AND s.internal_id = i.vendor_internal_id
WHERE i.tran_date >= ((s.discovered_at AT TIME ZONE 'UTC')::date - interval '1 year')::date
  AND i.deleted_at IS NULL AND s.deleted_at IS NULL;

DROP VIEW cost_lines_named;
CREATE VIEW cost_lines_named AS
SELECT l.*, coalesce(c.name, l.category_name) AS category
FROM cost_lines l
JOIN costs h ON h.tenant_id = l.tenant_id AND h.internal_id = l.internal_id AND h.deleted_at IS NULL
LEFT JOIN expense_categories c ON c.tenant_id = l.tenant_id AND c.internal_id = l.category_id;

DROP VIEW department_paths;
CREATE VIEW department_paths AS
WITH RECURSIVE walk (tenant_id, internal_id, current_id, path, depth, visited) AS (
    SELECT d.tenant_id, d.internal_id, d.parent_internal_id, coalesce(d.name, d.internal_id), 0, ARRAY[d.internal_id]
    FROM departments d
    WHERE d.deleted_at IS NULL
    UNION ALL
    SELECT w.tenant_id, w.internal_id, p.parent_internal_id, coalesce(p.name, p.internal_id) || ' : ' || w.path,
           w.depth + 1, w.visited || p.internal_id
    FROM walk w
    JOIN departments p ON p.tenant_id = w.tenant_id AND p.internal_id = w.current_id AND p.deleted_at IS NULL
    WHERE NOT p.internal_id = ANY (w.visited)
)
SELECT DISTINCT ON (tenant_id, internal_id) tenant_id, internal_id, path, depth
FROM walk
ORDER BY tenant_id, internal_id, depth DESC;
