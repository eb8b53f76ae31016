// Package api holds the HTTP API's tests on the whole stack: the Postgres
// event store, the command handlers, the projection runner and the real
// read models behind adapters/http. They check what only the stack can
// show: a write read back through the read models, lists, statistics and
// campaign-device metadata, and that the two agree. The API's own
// behaviour (statuses, error objects, validation, authentication,
// idempotency, rate limits) is tested in adapters/http on fakes, without
// a database.
package api
