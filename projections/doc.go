// Package projections keeps the Postgres read models up to date from the
// event store: campaigns, campaign counters, campaign-device metadata,
// statistics by summary and event type, the device catalog and the
// firmware manifests. Analytics jobs and the query API read these tables;
// only the Runner writes them.
//
// The Runner follows the global order from a checkpoint kept next to the
// read models. Each batch is decoded, folded in memory into one set of row
// changes and written with the new checkpoint in one transaction, with a
// fixed number of round trips whatever the batch size: rows the batch
// touches are loaded with one query per table and written back with one
// set-based upsert per table, and counters move by deltas summed per
// campaign. Every value comes from the events, never from the clock, so a
// rebuild from position zero into a fresh schema writes identical rows.
package projections
