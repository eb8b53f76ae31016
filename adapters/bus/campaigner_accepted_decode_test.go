package bus

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// Campaigner's device events decode to the campaign they accept, in
// either form of its id; other event types decode and accept nothing; a
// campaign_accepted event without its campaign, or of an unknown version,
// is an invalid message naming the field.
func TestCampaignAcceptedDecoding(t *testing.T) {
	event := func(eventType string, version int, payload string) []byte {
		return fmt.Appendf(nil, `{"namespace":"acme","event":{"deviceUuid":"dev-0001","eventType":{"id":%q,"version":%d},"payload":%s}}`,
			eventType, version, payload)
	}
	for _, c := range []struct {
		name         string
		payload      []byte
		wantCampaign domain.CampaignID // "": accepts nothing
		wantInvalid  string            // the field an invalid message names
	}{
		{"Campaigner's dashed id is our id", event("campaign_accepted", 0, `{"campaignId":"0157f3a2-b6c9-4d5e-8f0a-1b2c3d4e5f60"}`),
			"0157f3a2b6c94d5e8f0a1b2c3d4e5f60", ""},
		{"our id is taken as it is", event("campaign_accepted", 0, `{"campaignId":"0157f3a2b6c94d5e8f0a1b2c3d4e5f60"}`),
			"0157f3a2b6c94d5e8f0a1b2c3d4e5f60", ""},
		{"another event type accepts nothing", event("campaign_declined", 3, `{"why":"later"}`), "", ""},
		{"an unknown version is invalid", event("campaign_accepted", 1, `{"campaignId":"c1"}`), "", "event.eventType.version"},
		{"a payload without the campaign is invalid", event("campaign_accepted", 0, `{}`), "", "event.payload.campaignId"},
		{"a payload of another shape is invalid", event("campaign_accepted", 0, `{"campaign":"c1"}`), "", "event.payload"},
		{"an event without its type is invalid", []byte(`{"namespace":"acme","event":{"deviceUuid":"dev-0001"}}`), "", "event.eventType.id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseMessage(QueueCampaignAccepted, c.payload)
			if c.wantInvalid != "" {
				var invalid domain.InvalidError
				if !errors.As(err, &invalid) || !strings.HasPrefix(invalid.Field, c.wantInvalid) {
					t.Fatalf("got error %v, want an invalid %s", err, c.wantInvalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			accepted := m.(CampaignAccepted)
			var got domain.CampaignID
			if accepted.accepts() {
				if got, err = accepted.campaign(); err != nil {
					t.Fatal(err)
				}
			}
			if got != c.wantCampaign || m.Key() != "dev-0001" {
				t.Errorf("campaign %q key %q, want %q and dev-0001", got, m.Key(), c.wantCampaign)
			}
		})
	}
}
