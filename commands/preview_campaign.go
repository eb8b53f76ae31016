package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// DeviceFacts reads the devices a campaign's selection matches, with the
// facts the enrolment rules judge them by, one after the other in the
// order a start pages them (projections.Queries in the service).
type DeviceFacts interface {
	MatchingDeviceFacts(ctx context.Context, account domain.AccountID, sel domain.DeviceSelection,
		each func(domain.DeviceID, domain.DeviceFacts) error) error
}

// PreviewCampaign asks for a dry run of a draft campaign's start (Campaign
// rule P1): what it would do with each of its devices, and the waves and
// time it would take. It records nothing.
type PreviewCampaign struct {
	Account    domain.AccountID
	CampaignID domain.CampaignID
	// BatchSize and BatchDelay are the engine's pages (SCHEDULER_BATCH_SIZE
	// and SCHEDULER_DELAY), which pace a start without a rate.
	BatchSize  int
	BatchDelay time.Duration
	// FromRegistry says the engine pages the devices of a campaign with
	// groups from the Device Registry (DEVICE_REGISTRY_HOST is set). Such
	// a campaign's devices are the Registry's, which a preview does not
	// page: it is refused rather than answered from the catalog.
	FromRegistry bool
}

// PreviewCampaign handles PreviewCampaign: it loads the campaign and its
// manifest as the enrolment does, and judges every matching device of
// the catalog by the enrolment verdict while they stream by.
func (h *Handlers) PreviewCampaign(ctx context.Context, devices DeviceFacts, q PreviewCampaign) (*domain.CampaignPreview, error) {
	cp, m, err := h.ownedCampaignAndManifest(ctx, Meta{Account: q.Account}, q.CampaignID)
	if err != nil {
		return nil, err
	}
	p, err := cp.agg.BeginPreview(m, h.now())
	if err != nil {
		return nil, err
	}
	sel := cp.agg.DeviceSelection()
	if q.FromRegistry && len(sel.Groups) > 0 {
		return nil, domain.ConflictError{Reason: fmt.Sprintf(
			"campaign %s takes its devices from the Device Registry's groups, which a preview does not read", q.CampaignID)}
	}
	err = devices.MatchingDeviceFacts(ctx, q.Account, sel, func(id domain.DeviceID, f domain.DeviceFacts) error {
		p.Judge(id, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("previewing campaign %s: %w", q.CampaignID, err)
	}
	p.Plan(q.BatchSize, q.BatchDelay)
	return p, nil
}
