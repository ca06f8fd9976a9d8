-- Tenants, discovered services (NetSuite vendors), sync cursors and run history.
-- Every entity table is keyed by (tenant_id, internal_id). Times are timestamptz (UTC).

CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY,
    account_id  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- LeanIX "services": one row per NetSuite vendor.
CREATE TABLE services (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    internal_id    text NOT NULL,
    external_id    text,
    entity_id      text,
    company_name   text,
    email          text,
    url            text,
    category       text,
    currency       text,
    subsidiary     text,
    is_inactive    boolean NOT NULL DEFAULT false,
    date_created   timestamptz,
    last_modified  timestamptz,
    -- The whole parsed record, for fields not modelled as columns.
    raw            jsonb NOT NULL,
    -- First time this project saw the vendor; never overwritten.
    discovered_at  timestamptz NOT NULL DEFAULT now(),
    -- Last time a pull changed the row's content.
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);

CREATE INDEX services_last_modified ON services (tenant_id, last_modified);

-- Where each (tenant, entity) pull stands. One row, updated in the same transaction as the
-- page of records it describes.
CREATE TABLE sync_cursors (
    tenant_id       text NOT NULL REFERENCES tenants (tenant_id),
    entity          text NOT NULL,
    -- 'onboarding' until the first full pull has committed its last page, then 'delta'.
    phase           text NOT NULL DEFAULT 'onboarding' CHECK (phase IN ('onboarding', 'delta')),
    -- Start time of the last completed pull: the next delta asks for lastModifiedDate on or
    -- after this minus the safety overlap. Full datetime with zone, never a date.
    high_water      timestamptz,
    -- The pull in progress, if any: its start time (the next high_water), mode, and how far
    -- it got, so an interrupted pull resumes instead of starting over.
    pull_started_at timestamptz,
    pull_mode       text CHECK (pull_mode IN ('full', 'delta')),
    pull_since      timestamptz,
    search_id       text,
    pages_done      integer NOT NULL DEFAULT 0,
    total_pages     integer,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, entity)
);

-- One row per sync pass of a tenant.
CREATE TABLE sync_runs (
    run_id       uuid PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    trigger      text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'degraded', 'failed', 'cancelled')),
    requests     bigint NOT NULL DEFAULT 0,
    records      bigint NOT NULL DEFAULT 0,
    inserted     bigint NOT NULL DEFAULT 0,
    updated      bigint NOT NULL DEFAULT 0,
    error        text
);

CREATE INDEX sync_runs_tenant_started ON sync_runs (tenant_id, started_at DESC);

-- One row per entity pulled in a run: its mode, counts and outcome.
CREATE TABLE sync_run_entities (
    run_id       uuid NOT NULL REFERENCES sync_runs (run_id),
    entity       text NOT NULL,
    mode         text NOT NULL CHECK (mode IN ('full', 'delta')),
    status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'degraded', 'failed', 'cancelled')),
    pages        integer NOT NULL DEFAULT 0,
    records      bigint NOT NULL DEFAULT 0,
    inserted     bigint NOT NULL DEFAULT 0,
    updated      bigint NOT NULL DEFAULT 0,
    error_code   text,
    error        text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    PRIMARY KEY (run_id, entity)
);
