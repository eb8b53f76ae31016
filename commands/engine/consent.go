package engine

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// reasonAwaitingConsent is the reason a device of a campaign that requires
// consent shows until its user accepts.
const reasonAwaitingConsent = "awaiting the consent of the device's user"

// awaitConsent moves a page of pending devices of a campaign that requires
// consent to awaiting_consent: neither sent nor assigned, and not in
// flight, so they neither count against MaxInFlight nor time out. Their
// users' acceptances make them accepted, which the engine then sends or
// assigns like pending devices. With a Director, the page is asked about
// first in a dry run, as Campaigner did: the devices it does not affect
// are rejected rather than ask their users. It returns how many devices
// it took.
func (d *driver) awaitConsent(ctx context.Context) (int, error) {
	page, err := d.pageIn(ctx, domain.UpdatePending, &d.awaitAfter, d.e.cfg.BatchSize)
	if err != nil || len(page) == 0 {
		return 0, err
	}
	awaiting := page
	if d.mtu != "" {
		awaiting, err = d.affectedBeforeConsent(ctx, page)
	}
	if err == nil {
		err = d.changeDevices(ctx, "await-consent", awaiting, []domain.UpdateState{domain.UpdatePending},
			domain.UpdateChange{To: domain.UpdateAwaitingConsent, Reason: reasonAwaitingConsent})
	}
	if err != nil {
		return 0, err
	}
	d.awaitAfter = page[len(page)-1]
	return len(page), nil
}

// affectedBeforeConsent asks the Director which pending devices the
// update affects, assigning nothing (a dry run), and rejects the others;
// when the Director fails, the page fails with AssignFailed, as an
// assignment's would. A dry run changes nothing in the Director, so a
// restart before its answer is recorded simply asks again.
func (d *driver) affectedBeforeConsent(ctx context.Context, page []domain.DeviceID) ([]domain.DeviceID, error) {
	affected, err := d.e.cfg.Director.Assign(ctx, d.account, CorrelationID(d.id), d.mtu, page, true)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	pending := []domain.UpdateState{domain.UpdatePending}
	if err != nil {
		d.e.cfg.Logger.Warn("engine: the Director failed a dry run", "campaign", d.id, "devices", len(page), "error", err)
		return nil, d.changeDevices(ctx, "dry-run-failed", page, pending,
			domain.UpdateChange{To: domain.UpdateFailed, FailureCode: AssignFailed, Reason: reasonAssignFail})
	}
	in, rest := split(page, affected)
	return in, d.changeDevices(ctx, "dry-run-not-affected", rest, pending,
		domain.UpdateChange{To: domain.UpdateRejected, Reason: reasonNotAffected})
}
