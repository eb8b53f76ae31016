package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

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
	case catFlaky:
		return expectation{UpdateState: "deployed"}
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
func printExpectations(w io.Writer, c config, f *fleet) {
	counts := map[category]int{}
	codes := map[category]map[int]int{catFail: {}, catReject: {}}
	for i := range f.size() {
		cat := f.category(i)
		counts[cat]++
		switch cat {
		case catFail:
			codes[cat][f.device(i).Result]++
		case catReject:
			codes[cat][f.device(i).AsyncStatus]++
		default: // no code to count
		}
	}
	fmt.Fprintf(w, "fleetsim: device class %q; a manifest for it with delivered_payload_digest %s makes the uptodate devices skip\n",
		c.DeviceClass, c.ManifestDigest)
	fmt.Fprintf(w, "fleetsim: %d devices, seed %d, mix %s; expected outcome per category:\n", f.size(), c.Seed, c.Mix)
	for _, m := range c.MixFrom {
		fmt.Fprintf(w, "fleetsim: from device %d on, mix %s\n", m.Number, m.Mix)
	}
	for _, cat := range categories {
		if counts[cat] == 0 {
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
		default: // the state says it all
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

// writeExpectations writes {device id: expectation} as JSON to path, the
// bytes json.MarshalIndent(map, "", " ") would write, but streamed in
// index order (which is the map's sorted key order, ids being
// zero-padded): a million-entry map would cost hundreds of megabytes.
func writeExpectations(path string, f *fleet) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-expect-json: %w", err)
	}
	err = streamExpectations(file, f)
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("-expect-json: %w", err)
	}
	return nil
}

// streamExpectations writes the expectations to w. There are only a few
// distinct expectations (a category, and a failure code), so each is
// encoded once and copied after every id.
func streamExpectations(w io.Writer, f *fleet) error {
	out := bufio.NewWriterSize(w, 64<<10)
	encoded := map[[2]int][]byte{}
	prefix, err := json.Marshal(f.prefix) // the id's quoting, HTML escapes included
	if err != nil {
		return err
	}
	line := make([]byte, 0, 256)
	_, _ = out.WriteString("{\n")
	for i := range f.size() {
		d := f.device(i)
		key := [2]int{int(f.cats[i]), d.Result}
		e, ok := encoded[key]
		if !ok {
			if e, err = json.MarshalIndent(d.expected(), " ", " "); err != nil {
				return err
			}
			encoded[key] = e
		}
		line = append(append(line[:0], ' '), prefix[:len(prefix)-1]...)
		line = append(append(f.appendNumber(line, i), `": `...), e...)
		if i < f.size()-1 {
			line = append(line, ',')
		}
		_, _ = out.Write(append(line, '\n'))
	}
	_, _ = out.WriteString("}\n")
	return out.Flush()
}
