package main

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// shards is how many webhook bodies are in flight at once. A device always
// goes to the same shard and a shard posts one body at a time, so each
// device's messages reach the service in the order the device sent them.
const shards = 4

// notification is an item of Connect's "notifications" list: a resource
// value a device reported.
type notification struct {
	EP      string `json:"ep"`
	Path    string `json:"path"`
	CT      string `json:"ct"`
	Payload string `json:"payload"`
	MaxAge  int    `json:"max-age"`
}

// asyncResponse is an item of Connect's "async-responses" list: a device's
// answer to a request made with an async id.
type asyncResponse struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Error   string `json:"error"`
	CT      string `json:"ct"`
	Payload string `json:"payload"`
	MaxAge  int    `json:"max-age"`
}

// webhookBody is one body of Connect's notification channel.
type webhookBody struct {
	Notifications  []notification  `json:"notifications,omitempty"`
	AsyncResponses []asyncResponse `json:"async-responses,omitempty"`
}

func (b webhookBody) len() int { return len(b.Notifications) + len(b.AsyncResponses) }

// message is one item a device sends, with the device it is from.
type message struct {
	device string
	async  *asyncResponse
	note   *notification
}

// notifier batches the devices' messages into webhook bodies (at most
// Batch items, at most Flush late) and posts them to the service, retrying
// while the service is unavailable.
type notifier struct {
	url, key string
	client   *http.Client
	batch    int
	flush    time.Duration
	retryFor time.Duration
	log      *slog.Logger
	in       [shards]chan message
	done     sync.WaitGroup

	bodies, items, retries, lost atomic.Int64
}

func newNotifier(c config, log *slog.Logger) *notifier {
	n := &notifier{url: strings.TrimRight(c.API, "/") + "/v3/connector/notifications", key: c.Key,
		client: &http.Client{Timeout: 30 * time.Second}, batch: c.Batch, flush: c.Flush, retryFor: c.RetryFor, log: log}
	for i := range n.in {
		n.in[i] = make(chan message, 4*c.Batch)
	}
	return n
}

// start runs the shards until ctx ends; wait waits for them.
func (n *notifier) start(ctx context.Context) {
	for _, in := range n.in {
		n.done.Go(func() { n.shard(ctx, in) })
	}
}

func (n *notifier) wait() { n.done.Wait() }

// send queues a device's message; it blocks while the shard is full, which
// slows the devices down to the pace the service takes.
func (n *notifier) send(ctx context.Context, m message) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(m.device))
	select {
	case n.in[h.Sum32()%shards] <- m:
	case <-ctx.Done():
	}
}

// shard collects messages into bodies and posts them, one at a time.
func (n *notifier) shard(ctx context.Context, in <-chan message) {
	var body webhookBody
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	post := func() {
		timer.Stop()
		if body.len() > 0 {
			n.post(ctx, body)
		}
		body = webhookBody{}
	}
	for {
		select {
		case <-ctx.Done():
			if body.len() > 0 {
				n.lost.Add(int64(body.len()))
			}
			return
		case m := <-in:
			if m.async != nil {
				body.AsyncResponses = append(body.AsyncResponses, *m.async)
			} else {
				body.Notifications = append(body.Notifications, *m.note)
			}
			if body.len() == 1 {
				timer.Reset(n.flush)
			}
			if body.len() >= n.batch {
				post()
			}
		case <-timer.C:
			post()
		}
	}
}

// post sends one body, retrying on server and network errors. A body given
// up is logged with its size: the service will time those devices out, and
// the run's expectations no longer hold.
func (n *notifier) post(ctx context.Context, body webhookBody) {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain structs always encode
	}
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
		n.lost.Add(int64(body.len()))
		if ctx.Err() == nil {
			n.log.Error("webhook body given up", "items", body.len(), "error", err)
		}
	case a.Status >= 300:
		n.lost.Add(int64(body.len()))
		n.log.Error("webhook refused a body", "items", body.len(), "status", a.Status, "answer", string(a.Body))
	default:
		n.bodies.Add(1)
		n.items.Add(int64(body.len()))
	}
}
