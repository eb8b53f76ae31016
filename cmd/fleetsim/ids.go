package main

import (
	"strconv"
	"strings"
)

// A device's id is the prefix and its number (index+1), zero-padded to the
// width of the fleet's size: "sim-0042" in a fleet of 1,000. The padding
// makes ids sort in index order, which -expect-json relies on, and it lets
// a write's device be found by parsing its id instead of through a map of
// every id, which at a million devices cost more than the rest together.

// id is device i's id.
func (f *fleet) id(i int) string { return string(f.appendID(nil, i)) }

// appendID appends device i's id to b: the webhook bodies and
// -expect-json write ids without making a string of each.
func (f *fleet) appendID(b []byte, i int) []byte {
	return f.appendNumber(append(b, f.prefix...), i)
}

// appendNumber appends the zero-padded number of device i's id, for
// writers that quote the prefix themselves.
func (f *fleet) appendNumber(b []byte, i int) []byte {
	var digits [20]byte
	n := strconv.AppendInt(digits[:0], int64(i)+1, 10)
	for range f.width - len(n) {
		b = append(b, '0')
	}
	return append(b, n...)
}

// index finds the device an id names; false when no device has that id
// (another prefix, width or number, or a number past the fleet).
func (f *fleet) index(id string) (int, bool) {
	digits, ok := strings.CutPrefix(id, f.prefix)
	if !ok || len(digits) != f.width {
		return 0, false
	}
	n := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, false // strconv.Atoi would take a sign
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > f.size() {
		return 0, false
	}
	return n - 1, true
}
