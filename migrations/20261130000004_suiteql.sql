-- SuiteQL over SuiteTalk REST (issue 12): keyset cursors next to the SOAP ones.
--
-- A SuiteQL pull pages by key (`WHERE id > last ORDER BY id`). Its position is the last key
-- committed, written in the same transaction as the page it ends (like pages_done for SOAP).
-- `pull_transport` says which transport's position the open pull holds: a pull opened by one
-- transport and resumed by the other (the tenant was switched meanwhile) runs its query again
-- from the start of its scope, keeping its mode, delta bound and window; rows already written
-- stay (upserts are idempotent).
ALTER TABLE sync_cursors ADD COLUMN keyset_after text;
ALTER TABLE sync_cursors ADD COLUMN pull_transport text NOT NULL DEFAULT 'soap'
    CHECK (pull_transport IN ('soap', 'suiteql'));
-- Distinct keys the open keyset pull has to reach at least: the keys received before its
-- current query started plus that query's first totalResults (see ARCHITECTURE.md, "A keyset
-- pull is complete only by count").
ALTER TABLE sync_cursors ADD COLUMN keyset_expected integer;
