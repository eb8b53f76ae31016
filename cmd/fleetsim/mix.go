package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// category is what a simulated device does when the service updates it,
// and so the outcome the service must report for it.
type category string

// The device categories.
const (
	// catSuccess devices install the manifest and report result 1.
	catSuccess category = "success"
	// catFail devices stop at a seeded step and report a seeded failure code.
	catFail category = "fail"
	// catUptodate devices already run the manifest's firmware.
	catUptodate category = "uptodate"
	// catWrongClass devices are of another device class.
	catWrongClass category = "wrongclass"
	// catSilent devices accept the manifest write and never answer.
	catSilent category = "silent"
	// catReject devices refuse the write: the async response has an error status.
	catReject category = "reject"
	// catDeregistered devices are registered, then deleted before any campaign.
	catDeregistered category = "deregistered"
	// catFlaky devices fail their first manifest write with -flaky-code
	// and install any later one: they end deployed in a campaign whose
	// rollout policy retries that code.
	catFlaky category = "flaky"
)

// categories lists every category in the order outcomes are printed; a
// new one goes last, so that a seed keeps placing the others as before.
var categories = []category{catSuccess, catFail, catUptodate, catWrongClass, catSilent, catReject, catDeregistered, catFlaky}

func categoryNames() []string {
	names := make([]string, len(categories))
	for i, c := range categories {
		names[i] = string(c)
	}
	return names
}

// mix is the relative share of devices per category, as -mix gives it
// ("success=80,fail=10,..."); shares need not add up to 100.
type mix map[category]int

// defaultMix is the mix of the walk-through.
func defaultMix() mix {
	return mix{catSuccess: 80, catFail: 10, catUptodate: 4, catWrongClass: 3, catSilent: 3}
}

// String prints the mix in -mix form, in category order.
func (m mix) String() string {
	var parts []string
	for _, c := range categories {
		if m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", c, m[c]))
		}
	}
	return strings.Join(parts, ",")
}

// Set replaces the mix with the one s gives; categories it leaves out get
// no devices.
func (m *mix) Set(s string) error {
	parsed := mix{}
	for part := range strings.SplitSeq(s, ",") {
		name, share, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(share)
		switch {
		case !ok || err != nil || n < 0:
			return fmt.Errorf("%q: want category=share with a share of 0 or more", part)
		case !slices.Contains(categories, category(name)):
			return fmt.Errorf("unknown category %q (known: %s)", name, strings.Join(categoryNames(), ", "))
		}
		parsed[category(name)] = n
	}
	*m = parsed
	return nil
}

func (m mix) total() int {
	t := 0
	for _, n := range m {
		t += n
	}
	return t
}

// counts splits n devices by the mix exactly: each category gets the floor
// of its share and the devices left over go to the largest remainders
// (ties in category order), so the counts always add up to n.
func (m mix) counts(n int) map[category]int {
	total := m.total()
	counts := map[category]int{}
	remainders := make([]int, len(categories))
	given := 0
	for i, c := range categories {
		counts[c] = n * m[c] / total
		remainders[i] = n * m[c] % total
		given += counts[c]
	}
	order := make([]int, len(categories))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return remainders[b] - remainders[a] })
	for _, i := range order[:n-given] {
		counts[categories[i]]++
	}
	return counts
}
