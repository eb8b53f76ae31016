package bus_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

// TestAReportOfAnotherCorrelationIsPoisonedAndTheNextTakesEffect sends a
// report correlated with a multi-target update (no campaign), then one of
// the campaign: the first goes to the poison queue with its reason, the
// second fails the device with the Director's text code.
func TestAReportOfAnotherCorrelationIsPoisonedAndTheNextTakesEffect(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newWorld(t, b)
			w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel)})
			before := w.last
			report := `{"namespace":"acme","device":"dev-0001","correlationId":%q,"result":{"success":false,"code":"INSTALL_FAILED","description":"disk full"}}`
			_ = w.publish(bus.QueueDeviceUpdateReport, string(dev1), fmt.Appendf(nil, report, "urn:here-ota:mtu:"+string(campaign)))
			if err := w.publish(bus.QueueDeviceUpdateReport, string(dev1), fmt.Appendf(nil, report, "urn:here-ota:campaign:"+string(campaign))); err != nil {
				t.Fatalf("the campaign's report was refused: %v", err)
			}
			then := w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
				From: domain.UpdateUpdatedConnectorChannel, To: domain.UpdateFailed, FailureCode: "INSTALL_FAILED", Reason: "disk full", At: w.clock.Now()}}},
				metadataState(dev1, domain.UpdateFailed))
			w.eventually("the campaign's report's effect", func() error { return then(before) })
			poisoned := w.poison.all()
			if len(poisoned) != 1 {
				t.Fatalf("%d messages poisoned, want the one of the multi-target update", len(poisoned))
			}
			if reason := poisoned[0].Metadata.Get(bus.MetadataReason); !strings.Contains(reason, "correlationId") {
				t.Errorf("poisoned with reason %q, want it to name correlationId", reason)
			}
		})
	}
}

// TestReportsEndTheDeviceAsTheirResultSays sends the Director's outcomes
// through the in-process bus and reads the device's last event.
func TestReportsEndTheDeviceAsTheirResultSays(t *testing.T) {
	for _, tc := range []struct {
		name, result string
		want         domain.DeviceUpdateStateChanged
	}{
		{"a success is deployed", `{"success":true,"code":"0","description":"installed"}`,
			domain.DeviceUpdateStateChanged{To: domain.UpdateDeployed, Reason: "installed"}},
		{"a numeric code is the result code", `{"success":false,"code":"19"}`,
			domain.DeviceUpdateStateChanged{To: domain.UpdateFailed, ResultCode: 19, Reason: `update report: success false, code "19"`}},
		{"a failure without a code is MISSING_ERROR_CODE", `{"success":false,"code":""}`,
			domain.DeviceUpdateStateChanged{To: domain.UpdateFailed, FailureCode: domain.MissingErrorCode, Reason: `update report: success false, code ""`}},
		{"a code that is no plain number stays text", `{"success":false,"code":"007"}`,
			domain.DeviceUpdateStateChanged{To: domain.UpdateFailed, FailureCode: "007", Reason: `update report: success false, code "007"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, inProcess)
			w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateInstalling)})
			before := w.last
			payload := `{"namespace":"acme","device":"dev-0001","correlationId":"urn:here-ota:campaign:` + string(campaign) + `","result":` + tc.result + `}`
			if err := w.publish(bus.QueueDeviceUpdateReport, string(dev1), []byte(payload)); err != nil {
				t.Fatalf("refused: %v", err)
			}
			want := tc.want
			want.CampaignID, want.From, want.At = campaign, domain.UpdateInstalling, w.clock.Now()
			then := w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), want}}, metadataState(dev1, want.To))
			w.eventually("the report's effect", func() error { return then(before) })
		})
	}
}
