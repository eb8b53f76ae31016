-- The device catalog's class index leads with the class, not the account.
-- Led by the account, it could serve a lookup of one device by its
-- account alone, and Postgres took it for the runner's row loads whenever
-- its statistics still described the table as nearly empty (an account
-- registering its fleet before autovacuum analyzed the table): each
-- lookup then scanned the account's whole catalog, so every batch cost
-- more than the one before (seen with auto_explain: 0.5 ms per device at
-- 5,000 devices). Device filters on a class still find it.
DROP INDEX devices_account_class;
CREATE INDEX devices_class_account ON devices (device_class, account_id);

---- create above / drop below ----

DROP INDEX devices_class_account;
CREATE INDEX devices_account_class ON devices (account_id, device_class);
