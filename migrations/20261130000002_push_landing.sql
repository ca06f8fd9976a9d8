-- Pushes that land in LeanIX: an item a finished run warned about is not delivered but
-- rejected, kept with LeanIX's message and the connectorVersion it was sent under, and queued
-- again once the daemon's processor configuration has a new connectorVersion.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'in_flight', 'delivered', 'dead', 'rejected'));
-- LeanIX's warning(s) about the item, as the warnings endpoint gave them.
ALTER TABLE outbox ADD COLUMN rejection text;
-- The LDIF connectorVersion the item was rejected under.
ALTER TABLE outbox ADD COLUMN rejected_version text;
CREATE INDEX outbox_rejected ON outbox (tenant_id, rejected_version) WHERE state = 'rejected';
