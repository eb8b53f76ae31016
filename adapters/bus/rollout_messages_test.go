package bus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/bus"
)

// The rollout queues' payloads decode to their campaign, keyed by it; a
// payload without its campaign, with a field the queue does not take or
// with a reason the command would refuse is an invalid message naming the
// field, which the router poisons.
func TestRolloutMessagesDecoding(t *testing.T) {
	const c = `"campaign_id":"0157f3a2b6c94d5e8f0a1b2c3d4e5f60"`
	for _, tc := range []struct {
		name, queue, payload string
		want                 bus.Message
		wantInvalid          string
	}{
		{"an approve names its campaign", bus.QueueApproveCampaign, `{"account_id":"acme",` + c + `}`,
			bus.ApproveCampaign{Account: bus.Account{AccountID: acme}, CampaignID: "0157f3a2b6c94d5e8f0a1b2c3d4e5f60"}, ""},
		{"a pause takes a reason", bus.QueuePauseCampaign, `{"account_id":"acme",` + c + `,"reason":"night"}`,
			bus.PauseCampaign{Account: bus.Account{AccountID: acme}, CampaignID: "0157f3a2b6c94d5e8f0a1b2c3d4e5f60", Reason: "night"}, ""},
		{"a pause needs no reason", bus.QueuePauseCampaign, `{"account_id":"acme",` + c + `}`,
			bus.PauseCampaign{Account: bus.Account{AccountID: acme}, CampaignID: "0157f3a2b6c94d5e8f0a1b2c3d4e5f60"}, ""},
		{"a resume names its campaign", bus.QueueResumeCampaign, `{"account_id":"acme",` + c + `}`,
			bus.ResumeCampaign{Account: bus.Account{AccountID: acme}, CampaignID: "0157f3a2b6c94d5e8f0a1b2c3d4e5f60"}, ""},
		{"an approve without its campaign is invalid", bus.QueueApproveCampaign, `{"account_id":"acme"}`, nil, "campaign"},
		{"a resume without its account is invalid", bus.QueueResumeCampaign, `{` + c + `}`, nil, "account"},
		{"a reason with a control character is invalid", bus.QueuePauseCampaign, `{"account_id":"acme",` + c + `,"reason":"a\u0000b"}`, nil, "reason"},
		{"a field the queue does not take is invalid", bus.QueueResumeCampaign, `{"account_id":"acme",` + c + `,"reason":"x"}`, nil, "reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := bus.ParseMessage(tc.queue, []byte(tc.payload))
			if tc.wantInvalid != "" {
				var invalid *bus.InvalidMessageError
				if !errors.As(err, &invalid) || invalid.Queue != tc.queue || !strings.Contains(err.Error(), tc.wantInvalid) {
					t.Fatalf("got %v, want an invalid message of %s naming %s", err, tc.queue, tc.wantInvalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, m); diff != "" || m.Key() != "0157f3a2b6c94d5e8f0a1b2c3d4e5f60" {
				t.Errorf("key %q, message (-want +got):\n%s", m.Key(), diff)
			}
		})
	}
}
