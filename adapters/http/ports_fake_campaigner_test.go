package http_test

import (
	"context"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// The fakes of Campaigner's ports, in the manner of ports_fake_test.go:
// an update is found, with a source named after it; a selection matches
// one device; lists are empty.

func (p *ports) CreateUpdate(_ context.Context, c commands.CreateUpdate) (commands.Result, error) {
	return answer(nil, c, p.record("CreateUpdate", c.Account))
}

func (p *ports) Update(_ context.Context, account domain.AccountID, id domain.UpdateID) (projections.Update, error) {
	p.record("Update", account)
	return projections.Update{ID: id, AccountID: account, SourceID: "manifest-of-" + string(id), SourceType: "external"}, nil
}

func (p *ports) ListUpdates(_ context.Context, account domain.AccountID, req projections.OffsetRequest) (projections.OffsetPage[projections.Update], error) {
	p.record("ListUpdates", account)
	return projections.OffsetPage[projections.Update]{Offset: req.Offset, Limit: req.Limit}, nil
}

func (p *ports) UpdateSourceInUse(_ context.Context, account domain.AccountID, _ string) (bool, error) {
	p.record("UpdateSourceInUse", account)
	return false, nil
}

func (p *ports) ListCampaignerCampaigns(_ context.Context, account domain.AccountID, req projections.CampaignerListRequest) (projections.OffsetPage[projections.Campaign], error) {
	p.record("ListCampaignerCampaigns", account)
	return projections.OffsetPage[projections.Campaign]{Offset: req.Offset, Limit: req.Limit}, nil
}

func (p *ports) CountCampaigns(_ context.Context, account domain.AccountID) (projections.CampaignCounts, error) {
	p.record("CountCampaigns", account)
	return projections.CampaignCounts{}, nil
}

func (p *ports) MatchingDevices(_ context.Context, account domain.AccountID, _ domain.DeviceSelection, _ domain.DeviceID, _ int) ([]domain.DeviceID, error) {
	p.record("MatchingDevices", account)
	return []domain.DeviceID{"d1"}, nil
}

func (p *ports) DeviceCampaigns(_ context.Context, account domain.AccountID, device domain.DeviceID) ([]projections.DeviceCampaign, error) {
	p.record("DeviceCampaigns", account)
	if p.deviceCampaigns != nil {
		return p.deviceCampaigns(account, device)
	}
	return nil, nil
}

func (p *ports) FailedInstallations(_ context.Context, account domain.AccountID, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]projections.FailedInstallation, error) {
	p.record("FailedInstallations", account)
	if p.failedInstallations != nil {
		return p.failedInstallations(account, campaign, after, limit)
	}
	return nil, nil
}
