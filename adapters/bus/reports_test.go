package bus_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

// A batch of reports on deployment-service-campaign-device-state applies
// each device's reports in the order given, and a refused report does not
// hold back the rest of the batch.
func TestABatchOfReportsAppliesEachDeviceInOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newWorld(t, b)
			w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{
				dev1: path(domain.UpdateScheduled),
				dev2: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel)})
			payload := fmt.Sprintf(`{"account_id":"acme","reports":[
				{"async_response":{"async_id":%q,"status":200}},
				{"device_id":"dev-0002","update_result":12},
				{"device_id":"dev-0001","lwm2m_state":4},
				{"device_id":"dev-0009","campaign_id":%q,"state":"deployed"},
				{"device_id":"dev-0001","update_result":1},
				{"device_id":"dev-0001","lwm2m_state":7}]}`, domain.AsyncID(acme, campaign, dev1), campaign)
			if err := w.publish(bus.QueueCampaignDeviceState, bus.ReportKey(dev1), []byte(payload)); err != nil && b != inProcess {
				t.Fatal(err)
			}
			w.eventually("both devices ended", func() error {
				for _, r := range []rowCheck{metadataState(dev1, domain.UpdateDeployed), metadataState(dev2, domain.UpdateFailed),
					row(`SELECT result_code::text FROM campaign_device_metadata WHERE device_id = 'dev-0002'`, "12")} {
					var got string
					if err := w.pool.QueryRow(w.ctx, r.sql).Scan(&got); err != nil || got != r.want {
						return fmt.Errorf("%s: %q, %v; want %q", r.sql, got, err, r.want)
					}
				}
				return nil
			})
			var steps []string
			for _, r := range w.eventsAfter(w.last) {
				var e struct{ From, To domain.UpdateState }
				if err := json.Unmarshal(r.Data, &e); err != nil {
					t.Fatal(err)
				}
				if r.Stream == domain.DeviceStream(acme, dev1) {
					steps = append(steps, string(e.To))
				}
			}
			if got := strings.Join(steps, " "); got != "updated_connector_channel downloading deployed" {
				t.Errorf("dev-0001 went %q, want updated_connector_channel downloading deployed (the late state recording nothing)", got)
			}
			if len(w.poison.all()) > 0 {
				t.Error("the batch went to the poison queue")
			}
		})
	}
}

// An invalid batch goes to the poison queue as a whole, its reason naming
// each bad report, and records nothing.
func TestAnInvalidBatchIsPoisonedWithEveryProblem(t *testing.T) {
	w := newWorld(t, inProcess)
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled)})
	payload := `{"account_id":"acme","reports":[{"device_id":"dev-0001","lwm2m_state":4},
		{"device_id":"dev-0001","lwm2m_state":4,"update_result":1},{"device_id":"dev-0001","state":"failed","campaign_id":"c1"}]}`
	err := w.publish(bus.QueueCampaignDeviceState, bus.ReportKey(dev1), []byte(payload))
	var invalid *bus.InvalidMessageError
	if !errors.As(err, &invalid) {
		t.Fatalf("got %v, want an invalid message", err)
	}
	for _, want := range []string{"reports[1].", "reports[2].result_code"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the reason %q does not name %s", err, want)
		}
	}
	if got := w.eventsAfter(w.last); len(got) != 0 {
		t.Errorf("%d events recorded, want none", len(got))
	}
}
