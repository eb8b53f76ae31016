package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/domain/eventstore"
)

type bench struct {
	server string
	out    io.Writer // the figures
	log    io.Writer // progress while a scenario runs
	opts   options
	dbs    []string
}

// database creates a fresh database and returns a pool on it, of pgxpool's
// default size when maxConns is 0.
func (b *bench) database(ctx context.Context, name string, maxConns int) (*pgxpool.Pool, error) {
	dbURL, err := b.newDatabase(ctx, name)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// newDatabase creates an empty database, dropped at cleanup, and returns
// its URL.
func (b *bench) newDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, b.server)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name = fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	b.dbs = append(b.dbs, name)
	u, err := url.Parse(b.server)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// cleanup drops the databases the scenarios made so far and checkpoints.
func (b *bench) cleanup() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.server)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for _, name := range b.dbs {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	b.dbs = nil
	_, _ = conn.Exec(ctx, "CHECKPOINT")
}

// sampleEvent is the payload of every benchmark event: the size of a
// typical device update-state event.
func sampleEvent(i int) []byte {
	data, _ := json.Marshal(map[string]any{
		"campaign_id": "016e0c4a0b6b0a0b0c0d0e0f10111213", "from": "pending", "to": "scheduled",
		"at": time.Unix(1_700_000_000, 0).UTC(), "n": i,
	})
	return data
}

var sampleMetadata = `{"account_id":"acc1","correlation_id":"0b8f0c1e-2f6c-4c33-9c0e-3a1d2c9f7e10"}`

// rawCopy is the baseline: the same rows written with pgx CopyFrom into a
// plain table with the same columns, one transaction per batch.
func (b *bench) rawCopy(ctx context.Context) (rate, error) { return b.rawCopyOf(ctx, b.opts.events) }

// rawCopyOf is rawCopy of events rows.
func (b *bench) rawCopyOf(ctx context.Context, events int) (rate, error) {
	pool, err := b.database(ctx, "raw", 0)
	if err != nil {
		return rate{}, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE raw_events (
		position bigint PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL,
		event_id uuid NOT NULL UNIQUE, event_type text NOT NULL, data json NOT NULL, metadata json NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, revision))`); err != nil {
		return rate{}, err
	}
	start := time.Now()
	for done := 0; done < events; done += b.opts.batch {
		n := min(b.opts.batch, events-done)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"raw_events"},
				[]string{"position", "stream_id", "revision", "event_id", "event_type", "data", "metadata"},
				pgx.CopyFromSlice(n, func(i int) ([]any, error) {
					k := done + i
					return []any{int64(k + 1), fmt.Sprintf("device-acc1-%d", k), int64(0), uuid.New(), "DeviceUpdateStateChanged", string(sampleEvent(k)), sampleMetadata}, nil
				}))
			return err
		})
		if err != nil {
			return rate{}, err
		}
	}
	return rate{n: events, elapsed: time.Since(start)}, nil
}

// batchedAppend appends the same number of events through the event store,
// each transaction a multi-stream append of one event to each of batch
// device streams: the engine's fan-out.
func (b *bench) batchedAppend(ctx context.Context) (rate, error) {
	pool, err := b.database(ctx, "append", 0)
	if err != nil {
		return rate{}, err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return rate{}, err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	start := time.Now()
	for done := 0; done < b.opts.events; done += b.opts.batch {
		n := min(b.opts.batch, b.opts.events-done)
		requests := make([]eventstore.AppendRequest, n)
		for i := range requests {
			k := done + i
			requests[i] = eventstore.AppendRequest{
				Stream:   fmt.Sprintf("device-acc1-%d", k),
				Expected: eventstore.NoStream,
				Events: []eventstore.EventData{{ID: uuid.New(), Type: "DeviceUpdateStateChanged", Data: sampleEvent(k),
					Metadata: eventstore.Metadata{AccountID: "acc1", CorrelationID: "0b8f0c1e-2f6c-4c33-9c0e-3a1d2c9f7e10"}}},
			}
		}
		if _, err := store.AppendMulti(ctx, requests); err != nil {
			return rate{}, err
		}
	}
	return rate{n: b.opts.events, elapsed: time.Since(start)}, nil
}
