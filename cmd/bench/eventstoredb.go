package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// eventStoreDB measures the EventStoreDB adapter against the wire-level
// server started in process: appended is events/s of batched fan-outs
// (each AppendMulti one event to each of opts.batch device streams, which
// the adapter sends as concurrent appends, EventStoreDB having no
// multi-stream transactions); caughtUp is events/s of a SubscribeAll from
// the start reading them all back through the production stream filter.
// The server keeps everything in memory, so the figures are the adapter's,
// the client's and gRPC's on loopback, not a KurrentDB disk's.
func (b *bench) eventStoreDB(ctx context.Context) (appended, caughtUp rate, err error) {
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		return rate{}, rate{}, err
	}
	defer srv.Close()
	store, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL()})
	if err != nil {
		return rate{}, rate{}, err
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	meta := eventstore.Metadata{AccountID: "acc1", CorrelationID: "0b8f0c1e-2f6c-4c33-9c0e-3a1d2c9f7e10"}
	start := time.Now()
	for done := 0; done < b.opts.events; done += b.opts.batch {
		n := min(b.opts.batch, b.opts.events-done)
		requests := make([]eventstore.AppendRequest, n)
		for i := range requests {
			k := done + i
			requests[i] = eventstore.AppendRequest{
				Stream:   fmt.Sprintf("device-acc1-%d", k),
				Expected: eventstore.NoStream,
				Events:   []eventstore.EventData{{ID: uuid.New(), Type: "DeviceUpdateStateChanged", Data: sampleEvent(k), Metadata: meta}},
			}
		}
		if _, err := store.AppendMulti(ctx, requests); err != nil {
			return rate{}, rate{}, fmt.Errorf("appending events %d-%d: %w", done, done+n-1, err)
		}
	}
	appended = rate{n: b.opts.events, elapsed: time.Since(start)}

	start = time.Now()
	sub, err := store.SubscribeAll(ctx, eventstore.Start)
	if err != nil {
		return appended, rate{}, err
	}
	defer sub.Close()
	for got := 0; got < b.opts.events; {
		events, err := sub.Next(ctx, 1000)
		if err != nil {
			return appended, rate{}, fmt.Errorf("catching up after %d of %d events: %w", got, b.opts.events, err)
		}
		got += len(events)
	}
	caughtUp = rate{n: b.opts.events, elapsed: time.Since(start)}
	return appended, caughtUp, nil
}
