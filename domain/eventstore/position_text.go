package eventstore

import (
	"fmt"
	"strconv"
	"strings"
)

// ParsePosition reads a position as Position.String writes it: "commit" when
// both parts are equal, else "commit/prepare". A client pages through a
// history with the position of the last entry it saw.
func ParsePosition(s string) (Position, error) {
	c, p, split := strings.Cut(s, "/")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("position %q is not <commit> or <commit>/<prepare>", s)
	}
	if !split {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("position %q is not <commit> or <commit>/<prepare>", s)
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}
