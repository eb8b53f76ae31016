package projections_test

import (
	"context"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// An event the runner cannot apply is quarantined with the reason, and
// the runner goes on: the events after it are applied, and a restarted
// runner neither stops at it nor quarantines it twice. The history is
// planted below the domain, as a bug or a hand-written row would leave it.
func TestEventThatCannotBeAppliedIsQuarantined(t *testing.T) {
	for _, tc := range []struct {
		name, stream, eventType, data, wantReason string
	}{
		{"unknown event type", "device-acme-d1", "DeviceTeleported", `{"to":"mars"}`, `unknown event type "DeviceTeleported"`},
		{"undecodable data", "device-acme-d1", "DeviceEnrolled", `{"campaign_id":42}`, "domain.DecodeEvent DeviceEnrolled"},
		{"known event on the wrong stream", "manifest-m1", "DeviceSubscriptionChanged", `{"subscribed":true}`, "no read model handles DeviceSubscriptionChanged on manifest streams"},
		{"stream of no aggregate", "gizmo-1", "DeviceSubscriptionChanged", `{"subscribed":true}`, `stream "gizmo-1" belongs to no known aggregate`},
		{"stream without an id", "campaign-", "CampaignPublishing", `{}`, `stream "campaign-" names no aggregate id`},
		{"a row the database refuses", "device-acme-d2", "DeviceRegistered",
			`{"account_id":"acme","device_id":"d2","name":"a\u0000b","device_class":"sensor","mechanism":"connector","at":"2026-01-01T00:00:00Z"}`, "SQLSTATE 22"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := newSim(t)
			s.register(acme, "d1", "Boiler", "sensor")
			f.appendAll(t, s.groups)
			bad := f.appendRaw(t, tc.stream, tc.eventType, tc.data)
			s.groups = nil
			s.emit(domain.DeviceStream(acme, "d1"), domain.DeviceSubscriptionChanged{Subscribed: true, At: s.now()})
			after := f.appendAll(t, s.groups)

			for attempt := 1; attempt <= 2; attempt++ {
				runner := projections.NewRunner(f.pool, f.store, projections.Config{})
				run := start(runner)
				if err := runner.WaitFor(context.Background(), after); err != nil {
					t.Fatalf("attempt %d: WaitFor returned %v, want the runner past the bad event", attempt, err)
				}
				run.stop(t)
				if got := checkpoint(t, f.pool); got != after {
					t.Errorf("attempt %d: checkpoint %s, want %s, the last event", attempt, got, after)
				}
			}
			var n int
			var reason, stream, eventType string
			err := f.pool.QueryRow(context.Background(), `SELECT count(*) OVER (), reason, stream_id, event_type FROM quarantined_events
				WHERE commit_position = $1`, int64(bad.Commit)).Scan(&n, &reason, &stream, &eventType)
			if err != nil || n != 1 || !strings.Contains(reason, tc.wantReason) || stream != tc.stream || eventType != tc.eventType {
				t.Errorf("quarantine: %d rows, reason %q, %s %s, %v; want one row of the bad event with %q", n, reason, stream, eventType, err, tc.wantReason)
			}
			assertRow(t, f, "device", `SELECT subscribed FROM devices WHERE device_id = 'd1'`, map[string]any{"subscribed": true})
			if err := projections.NewQueries(f.pool).QuarantineCheck(context.Background()); err == nil {
				t.Error("the quarantine check passes with an event in quarantine")
			}
		})
	}
}
