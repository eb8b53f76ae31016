package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// historyEntry is an event of the service's history API
// (GET /v3/update-campaigns/{id}/events, GET /v3/devices/{id}/events).
type historyEntry struct {
	Object        string          `json:"object"`
	Type          string          `json:"type"`
	Data          json.RawMessage `json:"data"`
	Stream        string          `json:"stream"`
	Revision      uint64          `json:"revision"`
	Position      string          `json:"position"`
	RecordedAt    time.Time       `json:"recorded_at"`
	AccountID     string          `json:"account_id"`
	CorrelationID string          `json:"correlation_id"`
	CausationID   string          `json:"causation_id"`
}

// historyPage is a page of the history API.
type historyPage struct {
	Object  string            `json:"object"`
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
	After   string            `json:"after"`
	Limit   int               `json:"limit"`
}

// apiClient calls the service's API with an API key.
type apiClient struct {
	base string
	key  string
	http *http.Client
}

// apiClient returns a client of the configured API, --api and --key
// taking precedence over the environment.
func (e *env) apiClient(f apiFlags) (apiClient, error) {
	if f.api != "" {
		e.cfg.API = f.api
	}
	if f.key != "" {
		e.cfg.Key = f.key
	}
	if err := e.cfg.needAPI(); err != nil {
		return apiClient{}, err
	}
	return apiClient{base: strings.TrimRight(e.cfg.API, "/"), key: e.cfg.Key, http: &http.Client{Timeout: time.Minute}}, nil
}

// subject is whose history: a campaign's or a device's.
type subject struct {
	Kind string `json:"of"` // campaign or device
	ID   string `json:"id"`
}

func parseSubject(kind, id string) (subject, error) {
	if kind != "campaign" && kind != "device" {
		return subject{}, usagef("%q: want campaign or device", kind)
	}
	return subject{Kind: kind, ID: id}, nil
}

func (s subject) path() string {
	if s.Kind == "campaign" {
		return "/v3/update-campaigns/" + url.PathEscape(s.ID) + "/events"
	}
	return "/v3/devices/" + url.PathEscape(s.ID) + "/events"
}

// history calls each with every entry of s's history after the position
// after, in order, as the API sends it (raw) and decoded, reading pages
// of limit entries.
func (c apiClient) history(ctx context.Context, s subject, after string, limit int, each func(raw json.RawMessage, e historyEntry) error) error {
	for {
		page, err := c.page(ctx, s, after, limit)
		if err != nil {
			return err
		}
		for _, raw := range page.Data {
			var e historyEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("%s history: an entry the API sent: %w", s.Kind, err)
			}
			if err := each(raw, e); err != nil {
				return err
			}
			after = e.Position
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
	}
}

func (c apiClient) page(ctx context.Context, s subject, after string, limit int) (historyPage, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+s.path()+"?"+q.Encode(), nil)
	if err != nil {
		return historyPage{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return historyPage{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return historyPage{}, err
	}
	if resp.StatusCode != http.StatusOK {
		var apiErr struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &apiErr)
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized {
			hint = " (check UPDATE_SERVICE_KEY or --key)"
		}
		return historyPage{}, fmt.Errorf("GET %s: %s: %s%s", s.path(), resp.Status, apiErr.Message, hint)
	}
	var page historyPage
	if err := json.Unmarshal(body, &page); err != nil {
		return historyPage{}, fmt.Errorf("GET %s: not a page of events: %w", s.path(), err)
	}
	return page, nil
}
