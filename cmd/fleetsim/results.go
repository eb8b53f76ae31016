package main

import (
	"fmt"
	"strconv"
	"strings"
)

// resultSuccess and resultNone name the successful outcome and a failure
// reported without a code in -director-results.
const (
	resultSuccess = "success"
	resultNone    = "none"
)

// share is one outcome of results: success, a failure code, or none.
type share struct {
	outcome string
	weight  int
}

// results are the relative shares of the Director's installation
// outcomes (-director-results "success=90,INSTALL_FAILED=5,19=3,none=2").
type results []share

// defaultResults is a mix of success and several kinds of failure codes.
func defaultResults() results {
	return results{{resultSuccess, 85}, {"INSTALL_FAILED", 5}, {"DOWNLOAD_FAILED", 4}, {"19", 3}, {resultNone, 3}}
}

// String prints the shares in flag form.
func (r results) String() string {
	parts := make([]string, len(r))
	for i, s := range r {
		parts[i] = fmt.Sprintf("%s=%d", s.outcome, s.weight)
	}
	return strings.Join(parts, ",")
}

// Set replaces the shares with those s gives, in its order.
func (r *results) Set(s string) error {
	var parsed results
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		outcome, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(weight)
		if !ok || err != nil || n < 0 || outcome == "" || strings.ContainsAny(outcome, " \t\"") {
			return fmt.Errorf("%q: want outcome=share (success, a code without spaces, or none)", part)
		}
		parsed, total = append(parsed, share{outcome, n}), total+n
	}
	if total == 0 {
		return fmt.Errorf("%q gives no outcome a share", s)
	}
	*r = parsed
	return nil
}

// pick returns the outcome at draw (0 to the total weight, exclusive).
func (r results) pick(draw int) string {
	for _, s := range r {
		if draw < s.weight {
			return s.outcome
		}
		draw -= s.weight
	}
	return r[len(r)-1].outcome
}

// total is the sum of the weights.
func (r results) total() int {
	t := 0
	for _, s := range r {
		t += s.weight
	}
	return t
}
