package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// Backoff between two attempts of a call: doubling from firstBackoff up to
// maxBackoff, with up to 50% random extra so that many devices retrying
// together spread out.
const (
	firstBackoff = 50 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// answer is what the service said to a call.
type answer struct {
	Status   int
	Body     []byte
	Attempts int
}

// call sends the request newRequest makes until the service answers with
// something else than a server error or 429, or retryFor has passed, or
// ctx ends. The service restarting (connection refused, 502/503) is thus
// waited out, which is what keeps a simulation exact across service
// crashes. A 4xx answer is returned as is: retrying cannot change it.
func call(ctx context.Context, client *http.Client, retryFor time.Duration,
	newRequest func(ctx context.Context) (*http.Request, error)) (answer, error) {
	deadline := time.Now().Add(retryFor)
	wait := firstBackoff
	for attempt := 1; ; attempt++ {
		a, err := callOnce(ctx, client, newRequest)
		a.Attempts = attempt
		if err == nil && a.Status < 500 && a.Status != http.StatusTooManyRequests {
			return a, nil
		}
		if err == nil {
			err = fmt.Errorf("status %d: %.200s", a.Status, a.Body)
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return a, fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return a, fmt.Errorf("gave up after %d attempts: %w", attempt, ctx.Err())
		case <-time.After(wait + rand.N(wait/2+1)):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// callOnce makes one attempt and reads the whole answer.
func callOnce(ctx context.Context, client *http.Client, newRequest func(ctx context.Context) (*http.Request, error)) (answer, error) {
	req, err := newRequest(ctx)
	if err != nil {
		return answer{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{Status: resp.StatusCode, Body: body}, err
}
