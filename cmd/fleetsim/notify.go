package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// notifier posts webhook bodies to the service, retrying while the
// service is unavailable, and counts what it delivered. The shards fill
// the bodies; each shard posts one body at a time through it.
type notifier struct {
	url, key string
	client   *http.Client
	retryFor time.Duration
	log      *slog.Logger

	bodies, items, retries, lost atomic.Int64
}

// newNotifier posts to the service's webhook with an account's webhook
// secret, keeping a connection alive per shard.
func newNotifier(c config, secret string, log *slog.Logger) *notifier {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = c.WebhookParallel // one kept-alive connection per shard
	return &notifier{url: strings.TrimRight(c.API, "/") + "/v3/connector/notifications", key: secret,
		client: &http.Client{Timeout: 30 * time.Second, Transport: transport}, retryFor: c.RetryFor, log: log}
}

// post sends one body of the given number of items, retrying on server
// and network errors. A body given up is logged with its size: the
// service will time those devices out, and the run's expectations no
// longer hold.
func (n *notifier) post(ctx context.Context, data []byte, items int) {
	a, err := call(ctx, n.client, n.retryFor, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(data))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+n.key)
		}
		return req, err
	})
	n.retries.Add(int64(max(a.Attempts-1, 0)))
	switch {
	case err != nil:
		n.lost.Add(int64(items))
		if ctx.Err() == nil {
			n.log.Error("webhook body given up", "items", items, "error", err)
		}
	case a.Status >= 300:
		n.lost.Add(int64(items))
		n.log.Error("webhook refused a body", "items", items, "status", a.Status, "answer", string(a.Body))
	default:
		n.bodies.Add(1)
		n.items.Add(int64(items))
	}
}
