package webhooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/projections"
)

// fakeOutbox keeps deliveries in memory: a due one is claimed by one
// worker at a time, and attempts are recorded as the Postgres store does.
type fakeOutbox struct {
	mu       sync.Mutex
	due      map[uuid.UUID]projections.DueDelivery
	next     map[uuid.UUID]time.Time
	attempts []projections.DeliveryAttempt
	changed  chan struct{}
}

func newFakeOutbox(ds ...projections.DueDelivery) *fakeOutbox {
	o := &fakeOutbox{due: map[uuid.UUID]projections.DueDelivery{}, next: map[uuid.UUID]time.Time{}, changed: make(chan struct{}, 100)}
	for _, d := range ds {
		o.due[d.ID] = d
	}
	return o
}

func (o *fakeOutbox) ClaimWebhookDeliveries(_ context.Context, now, until time.Time, limit int) ([]projections.DueDelivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []projections.DueDelivery
	for id, d := range o.due {
		if len(out) < limit && !o.next[id].After(now) {
			o.next[id] = until
			out = append(out, d)
		}
	}
	return out, nil
}

func (o *fakeOutbox) RecordWebhookAttempt(_ context.Context, a projections.DeliveryAttempt) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts = append(o.attempts, a)
	d := o.due[a.ID]
	d.Attempts++
	o.due[a.ID] = d
	if a.Status == projections.DeliveryPending {
		o.next[a.ID] = *a.Next
	} else {
		delete(o.due, a.ID)
	}
	o.changed <- struct{}{}
	return nil
}

// waitAttempts waits until n attempts are recorded and returns them.
func (o *fakeOutbox) waitAttempts(t *testing.T, n int) []projections.DeliveryAttempt {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		o.mu.Lock()
		got := append([]projections.DeliveryAttempt(nil), o.attempts...)
		o.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-o.changed:
		case <-deadline:
			t.Fatalf("%d attempts recorded, want %d", len(got), n)
		}
	}
}

// run starts a deliverer of o until the test ends.
func run(t *testing.T, o *fakeOutbox, cfg Config) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = New(o, cfg).Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func delivery(url string) projections.DueDelivery {
	return projections.DueDelivery{ID: uuid.New(), WebhookID: "w1", URL: url, Secret: "s3cret", Body: `{"type":"campaign.stopped"}`}
}

func fast() Config {
	return Config{Workers: 2, Timeout: time.Second, RetryBase: 20 * time.Millisecond, RetryMax: time.Second, MaxAttempts: 3, Poll: 5 * time.Millisecond}
}

func TestADeliveryIsSignedOverItsTimestampAndBody(t *testing.T) {
	type seen struct{ id, sig, want string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
		got <- seen{r.Header.Get(HeaderID), r.Header.Get(HeaderSignature), Sign("s3cret", ts, body)}
	}))
	defer srv.Close()
	d := delivery(srv.URL)
	o := newFakeOutbox(d)
	run(t, o, fast())
	s := <-got
	if s.id != d.ID.String() || s.sig != s.want || s.sig == "" {
		t.Errorf("got id %s, signature %s; want id %s, signature %s", s.id, s.sig, d.ID, s.want)
	}
	if a := o.waitAttempts(t, 1)[0]; a.Status != projections.DeliveryDelivered || a.StatusCode != 200 {
		t.Errorf("attempt = %+v, want delivered with 200", a)
	}
}

func TestSignMatchesAKnownValue(t *testing.T) {
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac s3cret
	want := "v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
	if got := Sign("s3cret", 1700000000, []byte("{}")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestAReceiverFailingTwiceGetsTheDeliveryOnTheThirdAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	o := newFakeOutbox(delivery(srv.URL))
	cfg := fast()
	cfg.MaxAttempts = 12
	run(t, o, cfg)
	got := o.waitAttempts(t, 3)
	var statuses []string
	for _, a := range got {
		statuses = append(statuses, a.Status+"/"+strconv.Itoa(a.StatusCode))
	}
	if diff := cmp.Diff([]string{"pending/500", "pending/500", "delivered/200"}, statuses); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if wait := got[1].Next.Sub(got[1].At); wait != 2*cfg.RetryBase {
		t.Errorf("wait after the second attempt = %v, want %v", wait, 2*cfg.RetryBase)
	}
}

func TestADeliveryIsFailedAfterItsLastAttempt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer srv.Close()
	o := newFakeOutbox(delivery(srv.URL))
	run(t, o, fast())
	got := o.waitAttempts(t, 3)
	if last := got[2]; last.Status != projections.DeliveryFailed || last.Next != nil {
		t.Errorf("third of three attempts = %+v, want failed with no next attempt", last)
	}
}

func TestARedirectIsNotFollowed(t *testing.T) {
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Store(true) }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	o := newFakeOutbox(delivery(srv.URL))
	run(t, o, fast())
	if a := o.waitAttempts(t, 1)[0]; a.Status != projections.DeliveryPending || a.StatusCode != http.StatusTemporaryRedirect || followed.Load() {
		t.Errorf("attempt = %+v, followed %v; want pending after a 307, not followed", a, followed.Load())
	}
}

func TestAHangingReceiverHoldsOneWorkerForOneTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ok.Close()
	hung, other := delivery(hang.URL), delivery(ok.URL)
	o := newFakeOutbox(hung, other)
	cfg := fast()
	cfg.Timeout = 300 * time.Millisecond
	run(t, o, cfg)
	got := o.waitAttempts(t, 2)
	byID := map[uuid.UUID]projections.DeliveryAttempt{got[0].ID: got[0], got[1].ID: got[1]}
	if a := byID[other.ID]; a.Status != projections.DeliveryDelivered {
		t.Errorf("the other receiver's attempt = %+v, want delivered", a)
	}
	if a := byID[hung.ID]; a.Status != projections.DeliveryPending || a.StatusCode != 0 || a.Error == "" {
		t.Errorf("the hanging receiver's attempt = %+v, want pending after a timeout", a)
	}
	if got[0].ID != other.ID {
		t.Errorf("first attempt recorded was %s, want the other receiver's %s: the hanging one held it up", got[0].ID, other.ID)
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, Backoff(time.Second, 10*time.Second, n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Backoff (-want +got):\n%s", diff)
	}
}
