package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// latencies is a throughput with its per-request latencies.
type latencies struct {
	rate
	p50, p99 time.Duration
}

// concurrently runs n calls of do over clients goroutines and times them;
// do learns which client (0 to clients-1) makes call i.
func concurrently(clients, n int, do func(client, i int) error) (latencies, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	all := make([]time.Duration, 0, n)
	start := time.Now()
	var wg sync.WaitGroup
	for client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/clients+1)
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				err := do(client, i)
				mine = append(mine, time.Since(t0))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return latencies{}, firstErr
	}
	slices.Sort(all)
	return latencies{rate: rate{n: n, elapsed: elapsed}, p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}

// rawSingleInserts is the baseline of single commands: one-row INSERTs,
// each its own commit, from the same number of clients.
func (b *bench) rawSingleInserts(ctx context.Context) (latencies, error) {
	pool, err := b.database(ctx, "rawsingle")
	if err != nil {
		return latencies{}, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE raw_devices (id text PRIMARY KEY, data json NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return latencies{}, err
	}
	return concurrently(b.opts.clients, b.opts.requests, func(_, i int) error {
		_, err := pool.Exec(ctx, `INSERT INTO raw_devices (id, data) VALUES ($1, $2)`, fmt.Sprintf("dev-%07d", i),
			`{"device_class":"sensor","mechanism":"connector","at":"2026-01-01T00:00:00Z"}`)
		return err
	})
}

// httpCommands registers devices one request at a time through the whole
// HTTP stack: auth, decoding, the command, the append, and the wait for the
// read models that makes the answer read-your-writes.
func (b *bench) httpCommands(ctx context.Context) (latencies, error) {
	pool, err := b.database(ctx, "http")
	if err != nil {
		return latencies{}, err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return latencies{}, err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return latencies{}, err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	runner := projections.NewRunner(pool, store, projections.Config{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = runner.Run(ctx) }()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	server := httptest.NewServer(httpapi.NewHandler(httpapi.Deps{Commands: commands.New(store, time.Now),
		Queries: projections.NewQueries(pool), WaitFor: runner.WaitFor, Log: log,
		APIKeys: map[string]domain.AccountID{"bench-key": "bench"}}))
	defer server.Close()
	clients := make([]*keepAliveClient, b.opts.clients)
	for i := range clients {
		if clients[i], err = dialKeepAlive(server.Listener.Addr().String()); err != nil {
			return latencies{}, err
		}
		defer clients[i].conn.Close()
	}
	return concurrently(b.opts.clients, b.opts.requests, func(client, i int) error {
		body := fmt.Sprintf(`{"id":"dev-%07d","device_class":"sensor","mechanism":"connector"}`, i)
		status, err := clients[client].post("/v3/devices", "bench-key", body)
		if err != nil {
			return err
		}
		if status != http.StatusCreated {
			return fmt.Errorf("POST /v3/devices: status %d", status)
		}
		return nil
	})
}

// keepAliveClient is one connection of the load driver: it writes a
// request and reads its response on one kept-alive connection, as a
// load tool such as wrk does, and as the baseline's pgx connections do.
// net/http's client adds two goroutines per connection and the hand-offs
// between them, which took a fifth of this process's CPU on the 2-core
// machine: as much as the service's HTTP server, and not the service's.
type keepAliveClient struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func dialKeepAlive(addr string) (*keepAliveClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &keepAliveClient{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}, nil
}

// post sends a JSON body with a bearer key and returns the answer's status.
func (c *keepAliveClient) post(path, key, body string) (int, error) {
	fmt.Fprintf(c.w, "POST %s HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, key, len(body), body)
	if err := c.w.Flush(); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}
