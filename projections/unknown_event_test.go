package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// An event the runner cannot apply stops it with an error naming the
// event's position; nothing of its batch is applied, and a restarted
// runner stops at the same place instead of skipping it.
func TestEventThatCannotBeAppliedStopsTheRunner(t *testing.T) {
	for _, tc := range []struct {
		name, stream, eventType, data, wantErr string
	}{
		{"unknown event type", "device-acme-d1", "DeviceTeleported", `{"to":"mars"}`, `unknown event type "DeviceTeleported"`},
		{"undecodable data", "device-acme-d1", "DeviceEnrolled", `{"campaign_id":42}`, "domain.DecodeEvent DeviceEnrolled"},
		{"known event on the wrong stream", "manifest-m1", "DeviceSubscriptionChanged", `{"subscribed":true}`, "no read model handles DeviceSubscriptionChanged on manifest streams"},
		{"stream of no aggregate", "gizmo-1", "DeviceSubscriptionChanged", `{"subscribed":true}`, `stream "gizmo-1" belongs to no known aggregate`},
		{"stream without an id", "campaign-", "CampaignPublishing", `{}`, `stream "campaign-" names no aggregate id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := newSim(t)
			s.register(acme, "d1", "Boiler", "sensor")
			before := f.appendAll(t, s.groups)
			bad := f.appendRaw(t, tc.stream, tc.eventType, tc.data)
			s.groups = nil
			s.emit(domain.DeviceStream(acme, "d1"), domain.DeviceSubscriptionChanged{Subscribed: true, At: s.now()})
			after := f.appendAll(t, s.groups)

			for attempt := 1; attempt <= 2; attempt++ {
				runner := projections.NewRunner(f.pool, f.store, projections.Config{})
				run := start(runner)
				err := runner.WaitFor(context.Background(), after)
				if !errors.Is(err, projections.ErrStopped) {
					t.Fatalf("attempt %d: WaitFor returned %v, want ErrStopped", attempt, err)
				}
				err = run.wait(t)
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "position "+bad.String()) {
					t.Fatalf("attempt %d: runner stopped with %v, want an error with %q and position %s", attempt, err, tc.wantErr, bad)
				}
				if got := checkpoint(t, f.pool); got != before || runner.Position() != before {
					t.Errorf("attempt %d: checkpoint %s, runner at %s, want both at %s, the event before the bad one",
						attempt, got, runner.Position(), before)
				}
			}
			assertRow(t, f, "device", `SELECT subscribed FROM devices WHERE device_id = 'd1'`, map[string]any{"subscribed": false})
		})
	}
}
