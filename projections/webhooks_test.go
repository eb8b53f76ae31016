package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// initech is the account whose webhooks acme must not see.
const initech = domain.AccountID("initech")

func (w *world) webhook(account domain.AccountID, id domain.WebhookID, events ...string) {
	w.emit(domain.WebhookStream(id), domain.WebhookRegistered{WebhookID: id, AccountID: account, URL: "https://hooks.example/" + string(id),
		Secret: "secret-" + string(id), Events: events, Description: "hook " + string(id), At: w.now()})
}

// runOutbox runs the webhook outbox until it has followed every event
// appended so far.
func (w *world) runOutbox() {
	w.t.Helper()
	pos := w.f.appendAll(w.t, w.groups)
	w.groups = nil
	// The store's last event: all of them are read again after a reset.
	if err := w.f.pool.QueryRow(context.Background(), `SELECT max(position) FROM events`).Scan(&pos.Commit); err != nil {
		w.t.Fatal(err)
	}
	pos.Prepare = pos.Commit
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	runTo(w.t, projections.NewRunner(w.f.pool, w.f.store, projections.Config{}), pos)
	done := make(chan error, 1)
	run, stop := context.WithCancel(ctx)
	go func() { done <- projections.NewWebhookOutbox(w.f.pool, w.f.store).Run(run) }()
	waited := make(chan error, 1)
	go func() { waited <- projections.WaitForCheckpoint(ctx, w.f.pool, projections.WebhookOutboxName, pos) }()
	select {
	case err := <-done:
		w.t.Fatalf("the outbox stopped before reaching %s: %v", pos, err)
	case err := <-waited:
		if err != nil {
			w.t.Fatalf("waiting for the outbox: %v", err)
		}
	}
	stop()
	if err := <-done; err != nil {
		w.t.Fatalf("outbox: %v", err)
	}
}

// deliveries lists the deliveries as "webhook type campaign".
func deliveries(t *testing.T, w *world) []string {
	t.Helper()
	rows, err := w.f.pool.Query(context.Background(), `SELECT webhook_id || ' ' || type || ' ' || campaign_id FROM webhook_deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	slices.Sort(got)
	return got
}

func TestTheOutboxWritesADeliveryPerWebhookAndEventOfInterestOnce(t *testing.T) {
	w := newWorld(t)
	w.manifest(acme, "m1", "class-a")
	w.webhook(acme, "all")
	w.webhook(initech, "theirs")
	w.campaign(acme, "c1", "first", "m1")
	w.webhook(acme, "late", "campaign.stopped", "campaign.created")
	w.webhook(acme, "gone")
	w.emit(domain.CampaignStream("c1"), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: w.now()},
		domain.CampaignQuotaAllocated{At: w.now()})
	w.emit(domain.WebhookStream("gone"), domain.WebhookDeleted{At: w.now()})
	w.emit(domain.CampaignStream("c1"), domain.CampaignStopped{State: domain.StateUserStopped, At: w.now()})
	w.runOutbox()

	want := []string{"all campaign.created c1", "all campaign.started c1", "all campaign.stopped c1",
		"gone campaign.started c1", "late campaign.stopped c1"}
	if diff := cmp.Diff(want, deliveries(t, w)); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}

	t.Run("events read again write nothing twice", func(t *testing.T) {
		if _, err := w.f.pool.Exec(context.Background(), `UPDATE projection_checkpoints SET commit_position = 0, prepare_position = 0 WHERE name = $1`,
			projections.WebhookOutboxName); err != nil {
			t.Fatal(err)
		}
		w.t = t
		w.runOutbox()
		if diff := cmp.Diff(want, deliveries(t, w)); diff != "" {
			t.Errorf("deliveries after reading every event again (-want +got):\n%s", diff)
		}
	})
	t.Run("the body tells the campaign's phase, state and counters", func(t *testing.T) {
		var body string
		if err := w.f.pool.QueryRow(context.Background(), `SELECT body FROM webhook_deliveries WHERE webhook_id = 'late'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		var got projections.DeliveryBody
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Type != "campaign.stopped" || got.AccountID != acme || got.CampaignID != "c1" || got.Data.Phase != "stopped" ||
			got.Data.State != "userstopped" || got.Data.Counters["targeted"] != 0 || len(got.Data.Counters) == 0 {
			t.Errorf("body = %s, want campaign.stopped of acme's c1, stopped/userstopped, with its counters", body)
		}
	})
}

func TestWebhookQueriesShowTheAccountsWebhooksWithoutSecrets(t *testing.T) {
	w := newWorld(t)
	w.webhook(acme, "w1", "campaign.stopped")
	w.webhook(initech, "w2")
	w.webhook(acme, "w3")
	w.emit(domain.WebhookStream("w3"), domain.WebhookDeleted{At: w.now()})
	q := w.project()
	ctx := context.Background()

	got, err := q.Webhook(ctx, acme, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://hooks.example/w1" || !slices.Equal(got.Events, []string{"campaign.stopped"}) || got.Description != "hook w1" {
		t.Errorf("Webhook = %+v", got)
	}
	for _, id := range []domain.WebhookID{"w2", "w3"} {
		if _, err := q.Webhook(ctx, acme, id); !errors.As(err, new(domain.NotFoundError)) {
			t.Errorf("acme's Webhook(%s) = %v, want not found", id, err)
		}
	}
	page, err := q.ListWebhooks(ctx, acme, projections.ListRequest{Limit: 10, Order: projections.Ascending})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != "w1" {
		t.Errorf("ListWebhooks = %+v, %v; want w1 alone", page.Data, err)
	}
}

func TestClaimedDeliveriesAreNotClaimedAgainUntilTheirClaimEnds(t *testing.T) {
	w := newWorld(t)
	w.manifest(acme, "m1", "class-a")
	w.webhook(acme, "w1")
	w.campaign(acme, "c1", "first", "m1", domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: w.now()})
	w.runOutbox()
	ctx := context.Background()
	s := projections.NewWebhookOutboxStore(w.f.pool)
	now := time.Now()

	first, err := s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(first) != 1 || first[0].Secret != "secret-w1" || first[0].URL != "https://hooks.example/w1" {
		t.Fatalf("first claim = %+v, %v; want one of the webhook's two deliveries, with its URL and secret", first, err)
	}
	if again, err := s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Errorf("second claim = %+v, %v; want nothing while the webhook has a delivery being sent", again, err)
	}
	next := now.Add(time.Second)
	if err := s.RecordWebhookAttempt(ctx, projections.DeliveryAttempt{ID: first[0].ID, StatusCode: 500, Error: "boom",
		Status: projections.DeliveryPending, Next: &next, At: now}); err != nil {
		t.Fatal(err)
	}
	page, err := projections.NewQueries(w.f.pool).ListWebhookDeliveries(ctx, acme, "w1", projections.ListRequest{Limit: 10, Order: projections.Ascending})
	if err != nil || len(page.Data) != 2 {
		t.Fatalf("ListWebhookDeliveries = %+v, %v; want two", page.Data, err)
	}
	i := slices.IndexFunc(page.Data, func(d projections.WebhookDelivery) bool { return d.ID == first[0].ID })
	if i < 0 {
		t.Fatalf("the claimed delivery %s is not listed", first[0].ID)
	}
	if d := page.Data[i]; d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != 500 || d.Status != "pending" || d.LastError != "boom" {
		t.Errorf("delivery after a failed attempt = %+v", d)
	}
	if later, err := s.ClaimWebhookDeliveries(ctx, next, next.Add(time.Minute), 10); err != nil || len(later) != 1 {
		t.Errorf("claim once the first is recorded = %+v, %v; want one of the two", later, err)
	}
	if other, err := projections.NewQueries(w.f.pool).ListWebhookDeliveries(ctx, initech, "w1", projections.ListRequest{Limit: 10}); err != nil || len(other.Data) != 0 {
		t.Errorf("initech lists acme's deliveries: %+v, %v", other.Data, err)
	}
}
