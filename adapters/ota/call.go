package ota

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cenkalti/backoff/v5"

	"github.com/updateservice/updateservice/domain"
)

// maxErrorBody bounds how much of an error answer goes into the error.
const maxErrorBody = 4 << 10

// client calls one service's API.
type client struct {
	service string
	base    string
	opts    Options
}

// request is one call: its operation's name, method, path and query, the
// JSON body to send (nil: none) and where to decode the answer.
type request struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any
	out    any
	// check validates the decoded answer; nil: none.
	check func() error
}

// call sends req for account, trying again as Retry allows while the
// service fails for a reason that may pass.
func (c *client) call(ctx context.Context, account domain.AccountID, req request) error {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("ota.%s: %w", req.op, err)
		}
	}
	attempts := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		attempts++
		return struct{}{}, c.once(ctx, account, req, body)
	}, c.retryOptions()...)
	if err == nil {
		return nil
	}
	if ctxErr := context.Cause(ctx); ctxErr != nil {
		return fmt.Errorf("ota.%s: %w", req.op, ctxErr)
	}
	var e *Error
	if errors.As(err, &e) {
		e.Attempts = attempts
	}
	return err
}

// retryOptions are the backoff settings of Retry.
func (c *client) retryOptions() []backoff.RetryOption {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = c.opts.Retry.Initial, c.opts.Retry.MaxInterval
	return []backoff.RetryOption{backoff.WithBackOff(b), backoff.WithMaxTries(c.opts.Retry.Attempts),
		backoff.WithMaxElapsedTime(c.opts.Retry.MaxElapsed)}
}

// once sends the request one time. Its error is an *Error, wrapped as
// permanent when trying again cannot help (a 4xx, an unreadable answer).
func (c *client) once(ctx context.Context, account domain.AccountID, req request, body []byte) error {
	fail := func(status int, err error) *Error {
		return &Error{Service: c.service, Op: req.op, Status: status, Err: err}
	}
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	r, err := http.NewRequestWithContext(ctx, req.method, u, bytes.NewReader(body))
	if err != nil {
		return backoff.Permanent(fail(0, err))
	}
	r.Header.Set(NamespaceHeader, string(account))
	r.Header.Set("Accept", "application/json")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTP.Do(r)
	if err != nil {
		return fail(0, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return fail(resp.StatusCode, answerText(resp))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return backoff.Permanent(fail(resp.StatusCode, answerText(resp)))
	}
	if err := json.NewDecoder(resp.Body).Decode(req.out); err != nil {
		return backoff.Permanent(fail(resp.StatusCode, fmt.Errorf("%s %s: reading the answer: %w", req.method, req.path, err)))
	}
	if req.check != nil {
		if err := req.check(); err != nil {
			return backoff.Permanent(fail(resp.StatusCode, fmt.Errorf("%s %s: the answer: %w", req.method, req.path, err)))
		}
	}
	return nil
}

// answerText is an error answer's body, shortened, as an error.
func answerText(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return fmt.Errorf("%s %s answered %q", resp.Request.Method, resp.Request.URL.Path, strings.TrimSpace(string(b)))
}

// deviceIDs checks the device ids of an answer.
func deviceIDs(ids []domain.DeviceID) error {
	for _, id := range ids {
		if err := id.Validate(); err != nil {
			return err
		}
	}
	return nil
}
