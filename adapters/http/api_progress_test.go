package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// liveCampaign is acme's campaign c1 as the fake read models hold it,
// changed by the test while a stream watches it; globex has none.
type liveCampaign struct {
	mu       sync.Mutex
	phase    domain.Phase
	deployed int64
	gone     bool
}

func (l *liveCampaign) set(phase domain.Phase, deployed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase, l.deployed = phase, deployed
}

func (l *liveCampaign) delete() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gone = true
}

// progressAPI serves acme's live campaign with fast polls and keep-alives.
func progressAPI(t *testing.T, l *liveCampaign, options ...func(*httpapi.Deps)) *api {
	pace := func(d *httpapi.Deps) {
		d.Progress = httpapi.ProgressStreams{Poll: 5 * time.Millisecond, KeepAlive: time.Minute}
	}
	a := newAPI(t, append([]func(*httpapi.Deps){pace}, options...)...)
	notFound := domain.NotFoundError{Object: "update campaign", ID: "c1"}
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if account != "acme" || id != "c1" || l.gone {
			return projections.Campaign{}, notFound
		}
		return projections.Campaign{ID: id, AccountID: account, Phase: l.phase, State: domain.StatePublishing, HealthIndicator: "ok"}, nil
	}
	a.ports.counters = func(account domain.AccountID, id domain.CampaignID) (projections.Counters, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		return projections.Counters{CampaignID: id, Targeted: 10, Deployed: l.deployed, Failed: 1, FailedTotal: 1}, nil
	}
	a.ports.eventTypes = func(_ domain.AccountID, id domain.CampaignID, summary string) ([]projections.EventTypeStatistic, error) {
		return []projections.EventTypeStatistic{{CampaignID: id, SummaryStatus: summary, EventType: "UPD4_FAIL_101", Count: 1},
			{CampaignID: id, SummaryStatus: summary, EventType: "SYS_120", Count: 0}}, nil
	}
	return a
}

// sse is one block of a server-sent event stream.
type sse struct {
	Comment, Event, ID string
	Data               map[string]any
	DataLines          int
}

// readSSE reads the next block of r, checking that it has at most one
// data line and that it is a Progress object as the OpenAPI document
// describes it.
func readSSE(t *testing.T, r *bufio.Reader) sse {
	t.Helper()
	block := apitest.ReadEvent(t, r)
	ev := sse{Comment: block.Comment, Event: block.Event, ID: block.ID, DataLines: len(block.Data)}
	for _, line := range block.Data {
		if err := json.Unmarshal([]byte(line), &ev.Data); err != nil {
			t.Fatalf("data %q: %v", line, err)
		}
		checkProgress(t, ev.Data)
	}
	return ev
}

// checkProgress fails the test unless data is a Progress object.
func checkProgress(t *testing.T, data map[string]any) {
	t.Helper()
	doc, err := apitest.Document()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["Progress"].Value.VisitJSON(data); err != nil {
		t.Errorf("progress data unlike the document's Progress: %v\n%v", err, data)
	}
}

// streamTime bounds every stream a test reads: a stream that never ends
// fails the test within it, saying what it waited for, rather than hang.
const streamTime = 5 * time.Second

// openStream opens a progress stream on srv with key and headers.
func openStream(t *testing.T, srv *httptest.Server, key, id string, headers ...string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), streamTime)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v3/update-campaigns/"+id+"/progress", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

// callStream sends a stream request straight to the handler, as
// apitest.Client.Call does, within streamTime, and checks the answer
// against the OpenAPI document; ended says whether the handler ended the
// answer itself, before streamTime.
func callStream(t *testing.T, a *api, key, id string, headers ...string) (rec *httptest.ResponseRecorder, ended bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), streamTime)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/v3/update-campaigns/"+id+"/progress", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec = httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	apitest.CheckAnswer(t, req, rec)
	return rec, ctx.Err() == nil
}

// counter is a counter of a progress event's data.
func counter(ev sse, name string) any { return ev.Data["counters"].(map[string]any)[name] }

func TestAProgressStreamSendsTheNumbersAtOnceOnEachChangeAndEndsWhenTheCampaignStops(t *testing.T) {
	l := &liveCampaign{phase: domain.PhaseActive, deployed: 3}
	srv := httptest.NewServer(progressAPI(t, l).Handler)
	t.Cleanup(srv.Close)

	res := openStream(t, srv, acmeKey, "c1")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q; want 200 text/event-stream", res.StatusCode, res.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(res.Body)
	first := readSSE(t, r)
	want := sse{Event: "progress", ID: "1", DataLines: 1, Data: map[string]any{
		"campaign_id": "c1", "phase": "active", "state": "publishing", "health_indicator": "ok", "autostop_reason": "",
		"paused": false, "pause_reason": "", "wave": 0.0, "waves": nil,
		"failures": []any{map[string]any{"code": "UPD4_FAIL_101", "count": 1.0}}, "at": "0001-01-01T00:00:00Z"}}
	delete(first.Data, "counters") // checked below, one by one
	if diff := cmp.Diff(want, first); diff != "" {
		t.Fatalf("first event (-want +got):\n%s", diff)
	}

	l.set(domain.PhaseActive, 7)
	if second := readSSE(t, r); second.ID != "2" || counter(second, "deployed") != 7.0 || counter(second, "targeted") != 10.0 {
		t.Errorf("after 4 more deployed: event %s, deployed %v of %v; want event 2, 7 of 10", second.ID, counter(second, "deployed"), counter(second, "targeted"))
	}
	l.set(domain.PhaseStopped, 7)
	if last := readSSE(t, r); last.ID != "3" || last.Data["phase"] != "stopped" {
		t.Errorf("after the stop: event %s in phase %v; want event 3, stopped", last.ID, last.Data["phase"])
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		t.Errorf("after the last event: %q, %v; want the end of the stream", rest, err)
	}
}

func TestAProgressStreamEndsWithTheDeletedPhaseWhenItsCampaignIsDeleted(t *testing.T) {
	l := &liveCampaign{phase: domain.PhaseDraft}
	srv := httptest.NewServer(progressAPI(t, l).Handler)
	t.Cleanup(srv.Close)
	r := bufio.NewReader(openStream(t, srv, acmeKey, "c1").Body)
	if first := readSSE(t, r); first.Data["phase"] != "draft" {
		t.Fatalf("first event in phase %v, want draft", first.Data["phase"])
	}
	l.delete()
	if last := readSSE(t, r); last.ID != "2" || last.Data["phase"] != "deleted" {
		t.Errorf("after the delete: event %s in phase %v; want event 2, deleted", last.ID, last.Data["phase"])
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		t.Errorf("after the last event: %q, %v; want the end of the stream", rest, err)
	}
}

func TestAQuietProgressStreamSendsKeepAliveComments(t *testing.T) {
	l := &liveCampaign{phase: domain.PhaseActive}
	srv := httptest.NewServer(progressAPI(t, l, func(d *httpapi.Deps) { d.Progress.KeepAlive = 10 * time.Millisecond }).Handler)
	t.Cleanup(srv.Close)
	r := bufio.NewReader(openStream(t, srv, acmeKey, "c1").Body)
	readSSE(t, r)
	if ev := readSSE(t, r); ev.Comment != "keep-alive" || ev.ID != "" {
		t.Errorf("a quiet stream's next block: %+v, want the keep-alive comment", ev)
	}
}

func TestAProgressStreamEndsWhenTheServiceStops(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(progressAPI(t, &liveCampaign{phase: domain.PhaseActive}, func(d *httpapi.Deps) { d.Progress.Stop = stop }).Handler)
	t.Cleanup(srv.Close)
	r := bufio.NewReader(openStream(t, srv, acmeKey, "c1").Body)
	readSSE(t, r)
	close(stop)
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		t.Errorf("after the service began to stop: %q, %v; want the end of the stream", rest, err)
	}
}

func TestAStoppedCampaignsStreamIsOneEventNumberedOnFromLastEventID(t *testing.T) {
	a := progressAPI(t, &liveCampaign{phase: domain.PhaseStopped})
	rec, ended := callStream(t, a, acmeKey, "c1", "Last-Event-ID", "41")
	r := bufio.NewReader(rec.Body)
	if ev := readSSE(t, r); ev.ID != "42" || ev.Data["phase"] != "stopped" {
		t.Errorf("a stopped campaign's stream after event 41: event %s in phase %v; want its one event, 42, stopped", ev.ID, ev.Data["phase"])
	}
	if r.Buffered() > 0 || !ended {
		t.Errorf("a stopped campaign's stream goes on after its one event (ended: %v)", ended)
	}
	rec, _ = callStream(t, a, acmeKey, "c1", "Last-Event-ID", "not a number")
	if ev := readSSE(t, bufio.NewReader(rec.Body)); ev.ID != "1" {
		t.Errorf("after Last-Event-ID %q: event %s, want 1", "not a number", ev.ID)
	}
}

func TestAProgressStreamOfAnotherAccountsOrAnUnknownCampaignAnswers404BeforeStreaming(t *testing.T) {
	a := progressAPI(t, &liveCampaign{phase: domain.PhaseActive})
	for _, tc := range []struct{ name, key, id string }{
		{"another account's campaign", globexKey, "c1"},
		{"an unknown campaign", acmeKey, "c2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := callStream(t, a, tc.key, tc.id)
			apitest.ErrorOf(t, rec, http.StatusNotFound)
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want the error object's application/json", ct)
			}
		})
	}
}

func TestAnAccountsProgressStreamsBeyondItsLimitAnswer429(t *testing.T) {
	l := &liveCampaign{phase: domain.PhaseActive}
	srv := httptest.NewServer(progressAPI(t, l, func(d *httpapi.Deps) { d.Progress.PerAccount = 2 }).Handler)
	t.Cleanup(srv.Close)
	first := openStream(t, srv, acmeKey, "c1")
	openStream(t, srv, acmeKey, "c1")
	res := openStream(t, srv, acmeKey, "c1")
	var body struct{ Object, Type string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusTooManyRequests || body.Object != "error" {
		t.Fatalf("a third stream: %d %+v (%v), want 429 and the error object", res.StatusCode, body, err)
	}
	_ = first.Body.Close()
	// The first stream's handler lets go once it sees its client gone.
	deadline := time.Now().Add(10 * time.Second)
	for res = openStream(t, srv, acmeKey, "c1"); res.StatusCode == http.StatusTooManyRequests && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond) // a poll of the condition, not a wait for it
		res = openStream(t, srv, acmeKey, "c1")
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("a stream after one was closed: %d, want 200", res.StatusCode)
	}
}
