package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// RetryFailedCampaign makes and starts the retry campaign of a main
// campaign's devices that failed with one code (Campaigner's
// retry-failed). The caller reads the devices, from the read models; the
// main campaign must be the account's and launched.
type RetryFailedCampaign struct {
	Meta
	CampaignID     domain.CampaignID
	MainCampaignID domain.CampaignID
	FailureCode    string
	Devices        []domain.DeviceID
}

// RetryFailedCampaign handles RetryFailedCampaign. It reads the retry
// campaign's stream with the main campaign's, to tell a retry of this
// command from a taken id.
func (h *Handlers) RetryFailedCampaign(ctx context.Context, c RetryFailedCampaign) (Result, error) {
	rs, ms := domain.CampaignStream(c.CampaignID), domain.CampaignStream(c.MainCampaignID)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{rs, ms})
		if err != nil {
			return Result{}, err
		}
		existing, err := rebuild(rs, streams[rs], domain.LoadCampaign)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		main, err := rebuild(ms, streams[ms], domain.LoadCampaign)
		if err != nil {
			return Result{}, err
		}
		if err := ownCampaign(main.agg, c.Meta, c.MainCampaignID); err != nil {
			return Result{}, err
		}
		cp, err := domain.NewRetryCampaign(c.CampaignID, main.agg, c.FailureCode, c.Devices, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("campaign %s already exists", c.CampaignID)}
		}
		return h.saveAll(ctx, c.Meta, nil, existing.as(cp))
	})
	return res, failed("RetryFailedCampaign", err)
}
