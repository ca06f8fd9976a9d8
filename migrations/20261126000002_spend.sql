-- Spend: vendor-side transactions (LeanIX invoices) and expense reports (LeanIX costs), with
-- their lines; expense categories; per-entity status (degraded when a permission is missing);
-- and the transaction-date window of each (tenant, entity) pull.

-- The tranDate lower bound fixed when an entity is first pulled (earliest service's
-- discovered_at minus one year), kept for its deltas.
ALTER TABLE sync_cursors ADD COLUMN window_start date;
-- True when the open pull runs the plain search (the typed one was refused): a resume then
-- continues it in the same, lenient, way.
ALTER TABLE sync_cursors ADD COLUMN pull_plain boolean NOT NULL DEFAULT false;

-- Vendor-side transactions. Linked to services by (tenant_id, vendor_internal_id); a row whose
-- vendor is not (yet) a service is kept and links by the same key when the vendor arrives.
CREATE TABLE invoices (
    tenant_id           text NOT NULL REFERENCES tenants (tenant_id),
    internal_id         text NOT NULL,
    record_type         text NOT NULL,
    spend_role          text NOT NULL CHECK (spend_role IN ('expense', 'credit', 'commitment', 'settlement')),
    tran_id             text,
    tran_date           date,
    vendor_internal_id  text,
    vendor_name         text,
    -- The total as NetSuite sends it, and signed for spend (credits negative).
    total               numeric,
    amount              numeric,
    currency            text,
    exchange_rate       numeric,
    subsidiary          text,
    department          text,
    memo                text,
    status              text,
    due_date            date,
    posting_period      text,
    created_date        timestamptz,
    last_modified       timestamptz,
    raw                 jsonb NOT NULL,
    discovered_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);
CREATE INDEX invoices_vendor ON invoices (tenant_id, vendor_internal_id);
CREATE INDEX invoices_tran_date ON invoices (tenant_id, tran_date);

CREATE TABLE invoice_lines (
    tenant_id    text NOT NULL,
    internal_id  text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('expense', 'item', 'apply')),
    line         integer NOT NULL,
    account      text,
    item         text,
    category     text,
    amount       numeric,
    memo         text,
    department   text,
    class        text,
    PRIMARY KEY (tenant_id, internal_id, kind, line),
    FOREIGN KEY (tenant_id, internal_id) REFERENCES invoices (tenant_id, internal_id) ON DELETE CASCADE
);

-- Expense reports.
CREATE TABLE costs (
    tenant_id             text NOT NULL REFERENCES tenants (tenant_id),
    internal_id           text NOT NULL,
    tran_id               text,
    employee_internal_id  text,
    employee_name         text,
    tran_date             date,
    total                 numeric,
    currency              text,
    status                text,
    department            text,
    memo                  text,
    created_date          timestamptz,
    last_modified         timestamptz,
    raw                   jsonb NOT NULL,
    discovered_at         timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);
CREATE INDEX costs_tran_date ON costs (tenant_id, tran_date);

CREATE TABLE cost_lines (
    tenant_id       text NOT NULL,
    internal_id     text NOT NULL,
    line            integer NOT NULL,
    expense_date    date,
    category_id     text,
    category_name   text,
    amount          numeric,
    currency        text,
    foreign_amount  numeric,
    exchange_rate   numeric,
    memo            text,
    department      text,
    ref_number      text,
    PRIMARY KEY (tenant_id, internal_id, line),
    FOREIGN KEY (tenant_id, internal_id) REFERENCES costs (tenant_id, internal_id) ON DELETE CASCADE
);

CREATE TABLE expense_categories (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    internal_id    text NOT NULL,
    name           text,
    description    text,
    is_inactive    boolean NOT NULL DEFAULT false,
    raw            jsonb NOT NULL,
    discovered_at  timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);

-- The current state of each (tenant, entity): ok, or degraded with NetSuite's message.
CREATE TABLE entity_status (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    entity      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('ok', 'degraded')),
    code        text,
    message     text,
    since       timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, entity)
);

-- Each service's invoices inside its window: tranDate on or after one year before the
-- service was discovered.
CREATE VIEW service_invoices AS
SELECT i.*, s.discovered_at AS service_discovered_at
FROM invoices i
JOIN services s ON s.tenant_id = i.tenant_id AND s.internal_id = i.vendor_internal_id
WHERE i.tran_date >= ((s.discovered_at AT TIME ZONE 'UTC')::date - interval '1 year')::date;

-- Cost lines with the category name from the categories list when known, else the line's own.
CREATE VIEW cost_lines_named AS
SELECT l.*, coalesce(c.name, l.category_name) AS category
FROM cost_lines l
LEFT JOIN expense_categories c ON c.tenant_id = l.tenant_id AND c.internal_id = l.category_id;
