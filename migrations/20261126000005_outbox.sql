-- The push side: a change outbox filled in the same transaction as the upserts (only rows
-- whose content changed are queued), and the LDIF batches delivered to LeanIX.

CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    tenant_id     text NOT NULL,
    -- departments | employees | services | invoices | costs (also the push order)
    entity        text NOT NULL,
    internal_id   text NOT NULL,
    -- md5 of the record's content (its raw JSON) as queued.
    content_hash  text NOT NULL,
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_flight', 'delivered', 'dead')),
    batch_id      uuid,
    queued_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (tenant_id, entity, id) WHERE state = 'pending';
CREATE INDEX outbox_batch ON outbox (batch_id);

-- One LDIF batch: written before the POST that creates its synchronization run, so that an
-- answer lost after the run was created is found again (by the batch id in the run's
-- description) instead of being pushed twice.
CREATE TABLE push_batches (
    batch_id     uuid PRIMARY KEY,
    tenant_id    text NOT NULL,
    entity       text NOT NULL,
    state        text NOT NULL CHECK (state IN ('open', 'created', 'started', 'finished', 'dead')),
    run_id       text,
    items        integer NOT NULL,
    run_attempts integer NOT NULL DEFAULT 0,
    description  text NOT NULL,
    error        text,
    warnings     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_batches_open ON push_batches (tenant_id, state) WHERE state IN ('open', 'created', 'started');
