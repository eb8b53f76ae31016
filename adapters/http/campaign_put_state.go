package http

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// putStart is what a PUT's state asks of the campaign beside the edit.
type putStart int

const (
	// noStart: no state, or the campaign's own (clients send the object
	// back with its read-only fields).
	noStart putStart = iota
	// startAfterEdit: "scheduled" on a draft, as older SDKs start one;
	// the edit goes first, as it may change what only a draft takes.
	startAfterEdit
	// startOnly: "scheduled" on a campaign past draft; the start refuses
	// it as POST …/start does, and nothing is edited.
	startOnly
)

// putState reads the state of a PUT. Pelion's older SDKs start a campaign
// by sending "scheduled"; any other state than the campaign's own is a
// phase change no PUT makes (start, stop and archive have their routes),
// refused rather than silently ignored.
func (d Deps) putState(ctx context.Context, account domain.AccountID, id domain.CampaignID, state *string) (putStart, error) {
	if state == nil {
		return noStart, nil
	}
	c, err := d.CampaignReads.Campaign(ctx, account, id)
	if err != nil {
		return noStart, err
	}
	switch {
	case *state == string(c.State):
		return noStart, nil
	case *state != string(domain.StateScheduled):
		return noStart, domain.InvalidError{Field: "state", Reason: fmt.Sprintf(
			"a PUT sets state only to scheduled, which starts a draft, not %q; the campaign is %s: use POST …/start, /stop or /archive",
			*state, c.State)}
	case c.Phase == domain.PhaseDraft:
		return startAfterEdit, nil
	}
	return startOnly, nil
}
