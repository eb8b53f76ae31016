package history_test

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// historyPage is a history's page object.
type historyPage struct {
	Object  string  `json:"object"`
	Data    []entry `json:"data"`
	HasMore bool    `json:"has_more"`
	After   *string `json:"after"`
	Limit   int     `json:"limit"`
	Order   string  `json:"order"`
}

// page reads one history page as acme.
func (s *stack) page(path string) historyPage {
	s.t.Helper()
	rec := s.call("GET", path, acmeKey, nil)
	var p historyPage
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Object != "list" || p.Order != "ASC" {
		s.t.Fatalf("GET %s: status %d, body %s: not a history page", path, rec.Code, rec.Body)
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }
