package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
)

// outcome is one device's end in a campaign, in the campaign-device
// metadata's terms, as fleetsim's -expect-json writes it. A null
// result_code or skip_reason reads as 0 or "", as in cmd/updated's
// end-to-end test.
type outcome struct {
	UpdateState string `json:"update_state"`
	ResultCode  int    `json:"result_code"`
	SkipReason  string `json:"skip_reason"`
}

func (o outcome) String() string {
	s := o.UpdateState
	if o.ResultCode != 0 {
		s += fmt.Sprintf(" (result_code %d)", o.ResultCode)
	}
	if o.SkipReason != "" {
		s += " (" + o.SkipReason + ")"
	}
	return s
}

// differences compares the campaign's outcome per device with fleetsim's
// expectation and describes each device that differs, in device order:
// one with another outcome, one missing from the campaign, one in the
// campaign that fleetsim does not know.
func differences(got, want map[string]outcome) []string {
	var out []string
	for id, w := range want {
		switch g, ok := got[id]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: missing from the campaign, want %s", id, w))
		case g != w:
			out = append(out, fmt.Sprintf("%s: %s, want %s", id, g, w))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			out = append(out, fmt.Sprintf("%s: %s, but fleetsim has no such device", id, g))
		}
	}
	slices.Sort(out)
	return out
}

// readExpectations reads fleetsim's -expect-json file: {device id: outcome}.
func readExpectations(path string) (map[string]outcome, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var want map[string]outcome
	if err := json.Unmarshal(raw, &want); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return want, nil
}

// campaignOutcomes pages through the campaign's devices and returns each
// one's outcome by device id.
func (c apiClient) campaignOutcomes(ctx context.Context, campaign string) (map[string]outcome, error) {
	got := map[string]outcome{}
	for after := ""; ; {
		var page struct {
			Data []struct {
				ID       string `json:"id"`
				DeviceID string `json:"device_id"`
				outcome
			} `json:"data"`
			HasMore bool `json:"has_more"`
		}
		path := "/v3/update-campaigns/" + campaign + "/campaign-device-metadata?limit=1000"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		if err := c.call(ctx, "GET", path, nil, http.StatusOK, &page); err != nil {
			return nil, err
		}
		for _, d := range page.Data {
			got[d.DeviceID] = d.outcome
		}
		if !page.HasMore || len(page.Data) == 0 {
			return got, nil
		}
		after = page.Data[len(page.Data)-1].ID
	}
}
