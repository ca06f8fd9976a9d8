-- Tenant leases: which replica works a tenant now. A lease expires unless its holder renews
-- it (heartbeat); an expired lease may be taken by any replica.
CREATE TABLE tenant_leases (
    tenant_id     text PRIMARY KEY,
    holder        text NOT NULL,
    acquired_at   timestamptz NOT NULL DEFAULT now(),
    renewed_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

-- Which replica ran each run (NULL for one-off CLI runs).
ALTER TABLE sync_runs ADD COLUMN replica text;
