package history_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

func TestAuditOnEachEventStore(t *testing.T) {
	for _, store := range []string{"postgres", "eventstoredb"} {
		t.Run(store, func(t *testing.T) {
			// Given a campaign rolled out and recorded along the way
			s := newStack(t, store)
			r := s.runRollout()

			t.Run("as_of answers what the live reads answered then", func(t *testing.T) { s.checkAsOf(r) })
			t.Run("the history of the finished campaign explains every device counted", func(t *testing.T) { s.checkExplained(r) })
			t.Run("history filters keep only what they name", func(t *testing.T) { s.checkFilters(r) })
			t.Run("another account's campaign and device are not found", func(t *testing.T) { s.checkOtherAccount(r) })
		})
	}
}

func (s *stack) checkAsOf(r *rollout) {
	base := "/v3/update-campaigns/" + r.campaign
	for at, answers := range r.seen {
		// When each read is asked as of an instant it was recorded at
		// Then it answers what it answered live then
		for read, want := range answers {
			path := base + read
			if read == "stats" {
				path = "/api/v2/campaigns/" + r.campaign + "/stats"
			}
			if want == nil { // not found then
				s.get(asOf(path, at), http.StatusNotFound)
				continue
			}
			if diff := cmp.Diff(want, s.get(asOf(path, at), http.StatusOK)); diff != "" {
				s.t.Errorf("GET %s as of %s differs from its live answer then (-live +as of):\n%s", path, at, diff)
			}
		}
	}
	// Before the campaign existed, it is not found; a future instant is now.
	for _, read := range asOfReads {
		s.get(asOf(base+read, r.before), http.StatusNotFound)
	}
	now := s.get(base, http.StatusOK)
	if diff := cmp.Diff(now, s.get(asOf(base, time.Now().Add(time.Hour)), http.StatusOK)); diff != "" {
		s.t.Errorf("as of a future instant differs from now (-now +as of):\n%s", diff)
	}
	bad := s.get(base+"?as_of=yesterday", http.StatusBadRequest)
	if fields, _ := bad["fields"].([]any); len(fields) != 1 || fields[0].(map[string]any)["name"] != "as_of" {
		s.t.Errorf("a malformed as_of answered %v, want a validation error naming as_of", bad)
	}
}

// entry is one history entry as the API answers it.
type entry struct {
	Object        string         `json:"object"`
	Type          string         `json:"type"`
	Data          map[string]any `json:"data"`
	Stream        string         `json:"stream"`
	Revision      uint64         `json:"revision"`
	Position      string         `json:"position"`
	RecordedAt    time.Time      `json:"recorded_at"`
	AccountID     string         `json:"account_id"`
	CorrelationID string         `json:"correlation_id"`
	CausationID   string         `json:"causation_id"`
}

// history pages through a history with query and limit, checking that
// every page is in position order after the one before.
func (s *stack) history(path, query string, limit int) []entry {
	s.t.Helper()
	var all []entry
	after := ""
	for {
		p := s.page(path + "?limit=" + itoa(limit) + query + after)
		all = append(all, p.Data...)
		if !p.HasMore {
			break
		}
		if len(p.Data) != limit {
			s.t.Fatalf("a page with more after it holds %d entries, want %d", len(p.Data), limit)
		}
		after = "&after=" + p.Data[len(p.Data)-1].Position
	}
	var last eventstore.Position
	for i, e := range all {
		pos, err := eventstore.ParsePosition(e.Position)
		if err != nil || (i > 0 && !last.Less(pos)) {
			s.t.Fatalf("entry %d at position %q (after %s): not in position order (%v)", i, e.Position, last, err)
		}
		last = pos
	}
	return all
}

func (s *stack) checkExplained(r *rollout) {
	// When the finished campaign's history is read page by page
	all := s.history("/v3/update-campaigns/"+r.campaign+"/events", "", 7)

	// Then each device's events in it lead to its state in the
	// campaign's records, and every record's device is in it
	last := map[string]string{}
	campaignRevisions := 0
	for _, e := range all {
		if e.Object != "update-event" || e.AccountID != string(acme) || e.CorrelationID == "" || e.RecordedAt.IsZero() {
			s.t.Errorf("entry %+v lacks its object, account, correlation id or time", e)
		}
		if e.Stream == string(domain.CampaignStream(domain.CampaignID(r.campaign))) {
			if e.Revision != uint64(campaignRevisions) {
				s.t.Errorf("campaign event at revision %d, want %d: the campaign stream is whole, once", e.Revision, campaignRevisions)
			}
			campaignRevisions++
			continue
		}
		device := strings.TrimPrefix(e.Stream, "device-acme-")
		switch e.Type {
		case "DeviceEnrolled":
			last[device] = "pending"
		case "DeviceSkipped":
			last[device] = "skipped"
		case "DeviceUpdateStateChanged":
			if from, _ := e.Data["from"].(string); from != last[device] {
				s.t.Errorf("device %s moves from %s, but its history left it %s", device, from, last[device])
			}
			last[device], _ = e.Data["to"].(string)
		default:
			s.t.Errorf("the campaign's history holds %s of %s, which names no campaign", e.Type, e.Stream)
		}
	}
	records := map[string]string{}
	for _, m := range s.get("/v3/update-campaigns/"+r.campaign+"/campaign-device-metadata?limit=1000", http.StatusOK)["data"].([]any) {
		rec := m.(map[string]any)
		records[rec["device_id"].(string)] = rec["update_state"].(string)
	}
	if diff := cmp.Diff(records, last); diff != "" {
		s.t.Errorf("devices' states in the records differ from their histories (-records +history):\n%s", diff)
	}
	stats := s.get("/api/v2/campaigns/"+r.campaign+"/stats", http.StatusOK)
	if processed := stats["processed"].(float64); int(processed) != len(last) || len(last) != rolloutDevices {
		s.t.Errorf("Campaigner counts %v devices processed; the history explains %d of %d", processed, len(last), rolloutDevices)
	}
	if campaignRevisions < 9 {
		s.t.Errorf("the history holds %d campaign events, want the whole lifecycle", campaignRevisions)
	}
}

func (s *stack) checkFilters(r *rollout) {
	path := "/v3/update-campaigns/" + r.campaign + "/events"
	all := s.history(path, "", 1000)
	instants := slices.SortedFunc(func(yield func(time.Time) bool) {
		for at := range r.seen {
			if !yield(at) {
				return
			}
		}
	}, time.Time.Compare)
	mid := instants[len(instants)/2].UTC().Format(time.RFC3339Nano)
	for _, c := range []struct {
		name, query string
		keep        func(entry) bool
	}{
		{"two types", "&type__in=DeviceEnrolled,CampaignStopped", func(e entry) bool { return e.Type == "DeviceEnrolled" || e.Type == "CampaignStopped" }},
		{"recorded up to an instant", "&recorded_at__lte=" + mid, func(e entry) bool { return !e.RecordedAt.After(instants[len(instants)/2]) }},
		{"recorded from an instant", "&recorded_at__gte=" + mid, func(e entry) bool { return !e.RecordedAt.Before(instants[len(instants)/2]) }},
	} {
		want := slices.DeleteFunc(slices.Clone(all), func(e entry) bool { return !c.keep(e) })
		got := s.history(path, c.query, 5)
		if len(want) == 0 || len(want) == len(all) {
			s.t.Errorf("%s: the filter keeps %d of %d entries; the test needs it to choose", c.name, len(want), len(all))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			s.t.Errorf("%s: entries differ (-want +got):\n%s", c.name, diff)
		}
	}
	for _, bad := range []string{"?limit=ten", "?after=x", "?recorded_at__gte=soon", "?order=DESC"} {
		s.get(path+bad, http.StatusBadRequest)
	}

	// A device's history is its stream: the catalog's events and the campaign's.
	device := s.history("/v3/devices/dev-05/events", "", 2)
	if len(device) == 0 || device[0].Type != "DeviceRegistered" || device[len(device)-1].Type != "DeviceUpdateStateChanged" {
		s.t.Errorf("dev-05's history is %+v, want its registration first and its last update step last", device)
	}
	for i, e := range device {
		if e.Stream != "device-acme-dev-05" || e.Revision != uint64(i) {
			s.t.Errorf("dev-05's entry %d is %s revision %d", i, e.Stream, e.Revision)
		}
	}
}

func (s *stack) checkOtherAccount(r *rollout) {
	for _, path := range []string{
		"/v3/update-campaigns/" + r.campaign + "/events", "/v3/devices/dev-05/events",
		asOf("/v3/update-campaigns/"+r.campaign, time.Now()), asOf("/api/v2/campaigns/"+r.campaign+"/stats", time.Now()),
		asOf("/v3/update-campaigns/"+r.campaign+"/campaign-device-metadata", time.Now()),
	} {
		if rec := s.call("GET", path, globexKey, nil); rec.Code != http.StatusNotFound {
			s.t.Errorf("globex GET %s: status %d, want 404; body %s", path, rec.Code, rec.Body)
		}
	}
	s.get("/v3/devices/nobody/events", http.StatusNotFound)
	s.get("/v3/update-campaigns/nothing/events", http.StatusNotFound)
}
