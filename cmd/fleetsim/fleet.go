package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
)

// device is one simulated device: its catalog attributes and the script it
// follows when the service writes its manifest. Everything is derived from
// the seed, so two runs with the same flags behave the same.
type device struct {
	ID       string
	Category category
	Class    string
	Checksum string
	// States are the update states (/10252/0/2) reported before the result.
	States []int
	// Result is the update result (/10252/0/3): 1 success, else a failure code.
	Result int
	// AsyncStatus and AsyncError are the async response to the write.
	AsyncStatus int
	AsyncError  string
	// seed drives the device's latencies.
	seed uint64
}

// rejections are the async responses of "reject" devices: Connect's
// statuses for a write the device did not take.
var rejections = []struct {
	status int
	err    string
}{{404, "NOT_FOUND"}, {406, "NOT_ACCEPTABLE"}, {502, "TIMEOUT"}}

// buildFleet makes the devices: exact counts per category from the mix,
// placed in a seeded order, each with seeded failure code, states and
// firmware checksum.
func buildFleet(c config) []device {
	counts := c.Mix.counts(c.Devices)
	cats := make([]category, 0, c.Devices)
	for _, cat := range categories {
		for range counts[cat] {
			cats = append(cats, cat)
		}
	}
	shuffle := rand.New(rand.NewPCG(c.Seed, 0))
	shuffle.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	width := len(fmt.Sprint(c.Devices))
	fleet := make([]device, len(cats))
	for i, cat := range cats {
		r := rand.New(rand.NewPCG(c.Seed, uint64(i)+1))
		d := device{
			ID:          fmt.Sprintf("%s%0*d", c.Prefix, width, i+1),
			Category:    cat,
			Class:       c.DeviceClass,
			Checksum:    fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()),
			States:      []int{2, 4, 7},
			Result:      1,
			AsyncStatus: 200,
			seed:        r.Uint64(),
		}
		if r.IntN(2) == 1 {
			d.States[2] = 8 // some devices report rebooting rather than updating
		}
		switch cat {
		case catFail:
			d.States = d.States[:1+r.IntN(len(d.States))]
			d.Result = c.FailCodes[0] + r.IntN(c.FailCodes[1]-c.FailCodes[0]+1)
		case catUptodate:
			d.Checksum = c.ManifestDigest
		case catWrongClass:
			d.Class = c.DeviceClass + "-other"
		case catReject:
			rej := rejections[r.IntN(len(rejections))]
			d.AsyncStatus, d.AsyncError = rej.status, rej.err
		case catSuccess, catSilent, catDeregistered:
		}
		fleet[i] = d
	}
	return fleet
}

// expectation is the outcome the service must report for a device in a
// campaign over the whole fleet, in the campaign-device metadata's terms:
// update_state, and result_code and skip_reason, null when there is none.
type expectation struct {
	UpdateState string  `json:"update_state"`
	ResultCode  *int    `json:"result_code"`
	SkipReason  *string `json:"skip_reason"`
}

// expected is the outcome of a device's category.
func (d device) expected() expectation {
	skipped := func(reason string) expectation { return expectation{UpdateState: "skipped", SkipReason: &reason} }
	switch d.Category {
	case catSuccess:
		return expectation{UpdateState: "deployed"}
	case catFail:
		code := d.Result
		return expectation{UpdateState: "failed", ResultCode: &code}
	case catUptodate:
		return skipped("already_updated")
	case catWrongClass:
		return skipped("device_class_mismatch")
	case catSilent:
		return expectation{UpdateState: "timed_out"}
	case catReject:
		return expectation{UpdateState: "failed_connector_channel_update"}
	case catDeregistered:
		return skipped("deregistered")
	}
	return expectation{}
}

// printExpectations writes one line per category in the mix: how many
// devices, and the outcome the service must report for them.
func printExpectations(w io.Writer, c config, fleet []device) {
	counts := map[category]int{}
	codes := map[category]map[int]int{}
	for _, d := range fleet {
		counts[d.Category]++
		if codes[d.Category] == nil {
			codes[d.Category] = map[int]int{}
		}
		switch d.Category {
		case catFail:
			codes[d.Category][d.Result]++
		case catReject:
			codes[d.Category][d.AsyncStatus]++
		}
	}
	fmt.Fprintf(w, "fleetsim: device class %q; a manifest for it with delivered_payload_digest %s makes the uptodate devices skip\n",
		c.DeviceClass, c.ManifestDigest)
	fmt.Fprintf(w, "fleetsim: %d devices, seed %d, mix %s; expected outcome per category:\n", len(fleet), c.Seed, c.Mix)
	for _, cat := range categories {
		if c.Mix[cat] == 0 {
			continue
		}
		e := device{Category: cat}.expected()
		outcome := e.UpdateState
		if e.SkipReason != nil {
			outcome += " " + *e.SkipReason
		}
		switch cat {
		case catFail:
			outcome += " (result codes " + codeCounts(codes[cat]) + ")"
		case catReject:
			outcome += " (async response statuses " + codeCounts(codes[cat]) + ")"
		}
		fmt.Fprintf(w, "  %-12s %7d → %s\n", cat, counts[cat], outcome)
	}
}

// codeCounts prints "code×count" pairs in code order.
func codeCounts(counts map[int]int) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d×%d", code, counts[code]))
	}
	return strings.Join(parts, " ")
}

// writeExpectations writes {device id: expectation} as JSON to path.
func writeExpectations(path string, fleet []device) error {
	out := make(map[string]expectation, len(fleet))
	for _, d := range fleet {
		out[d.ID] = d.expected()
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("-expect-json: %w", err)
	}
	return nil
}
