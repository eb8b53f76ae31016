package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// apiClient makes a scenario's calls to the service that are not its load:
// setting up a campaign, polling its progress, reading its outcome. They
// go through net/http with JSON bodies; their cost is no figure.
type apiClient struct {
	base string // http://host:port
	http *http.Client
}

func newAPIClient(addr string) apiClient {
	return apiClient{base: "http://" + addr, http: &http.Client{Timeout: time.Minute}}
}

// call sends body (when not nil) as JSON with the bench's key, fails
// unless the answer has the status wanted, and decodes it into out (when
// not nil).
func (c apiClient) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.500s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w in %.500s", method, path, err, raw)
		}
	}
	return nil
}
