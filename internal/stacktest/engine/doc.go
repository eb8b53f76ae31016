// Package engine holds the campaign engine's tests on the whole stack: the
// Postgres event store, the projection runner and the read models under
// the engine, with devices simulated in process. They need a database
// (DATABASE_URL, or `make test`). The engine's unit tests, on fakes and
// without a database, are in commands/engine.
package engine
