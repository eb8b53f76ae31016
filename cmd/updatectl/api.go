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

// historyQuery bounds a history read: after a position, recorded at or
// before an instant (the zero time does not bound), in pages of limit.
type historyQuery struct {
	after string
	to    time.Time
	limit int
}

// history calls each with every entry of s's history that q keeps, in
// order, as the API sends it (raw) and decoded.
func (c apiClient) history(ctx context.Context, s subject, q historyQuery, each func(raw json.RawMessage, e historyEntry) error) error {
	for {
		page, err := c.page(ctx, s, q)
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
			q.after = e.Position
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
	}
}

func (c apiClient) page(ctx context.Context, s subject, hq historyQuery) (historyPage, error) {
	q := url.Values{"limit": {strconv.Itoa(hq.limit)}}
	if hq.after != "" {
		q.Set("after", hq.after)
	}
	if !hq.to.IsZero() {
		q.Set("recorded_at__lte", hq.to.UTC().Format(time.RFC3339Nano))
	}
	var page historyPage
	if err := c.get(ctx, s.path(), q, &page); err != nil {
		return historyPage{}, err
	}
	return page, nil
}

// get reads path?q with the key into v; an answer other than 200 is an
// error with the API's message.
func (c apiClient) get(ctx context.Context, path string, q url.Values, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
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
		return fmt.Errorf("GET %s: %s: %s%s", path, resp.Status, apiErr.Message, hint)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: an answer that is not the object expected: %w", path, err)
	}
	return nil
}
