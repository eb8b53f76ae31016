package domain

import "testing"

func TestAsyncIDRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		account  AccountID
		campaign CampaignID
		device   DeviceID
	}{
		{"acme", "0157f3a2b6c94d5e8f0a1b2c3d4e5f60", "dev-1"},
		{"acme.eu", "campaign.with.dots", "urn:dev:ops:32473-Sensor.01?x=1&y=%"},
		{"a.b", "c", "d"},
		{"a", "b.c", "d"},
	} {
		id := AsyncID(tc.account, tc.campaign, tc.device)
		account, campaign, device, ok := ParseAsyncID(id)
		if !ok || account != tc.account || campaign != tc.campaign || device != tc.device {
			t.Errorf("ParseAsyncID(%q) = %q, %q, %q, %v; want %q, %q, %q, true", id, account, campaign, device, ok,
				tc.account, tc.campaign, tc.device)
		}
	}
	if a, b := AsyncID("a.b", "c", "d"), AsyncID("a", "b.c", "d"); a == b {
		t.Errorf("accounts a.b and a with campaigns c and b.c share the async id %q", a)
	}
}

func TestParseAsyncIDRefusesWhatAsyncIDDidNotMake(t *testing.T) {
	for _, s := range []string{"", "no-dot", "c1.ZDE", "YWNtZQ.c1.not base64!", ".c1.ZDE", "YWNtZQ..ZDE", "YWNtZQ.c1.",
		"YWNtZQ=.c1.ZDE", "LWEt.c1.ZDE"} { // "LWEt" is "-a-": not an account id
		if a, c, d, ok := ParseAsyncID(s); ok {
			t.Errorf("ParseAsyncID(%q) = %q, %q, %q, true; want not ok", s, a, c, d)
		}
	}
}
