package http_test

import (
	"context"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

func (p *ports) CampaignCounters(_ context.Context, account domain.AccountID, campaign domain.CampaignID) (projections.Counters, error) {
	p.record("CampaignCounters", account)
	if p.counters != nil {
		return p.counters(account, campaign)
	}
	return projections.Counters{}, nil
}

func (p *ports) CampaignStatistics(_ context.Context, account domain.AccountID, campaign domain.CampaignID) ([]projections.SummaryStatistic, error) {
	p.record("CampaignStatistics", account)
	return nil, nil
}

func (p *ports) CampaignStatistic(_ context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) (projections.SummaryStatistic, error) {
	p.record("CampaignStatistic", account)
	return projections.SummaryStatistic{CampaignID: campaign, SummaryStatus: summary}, nil
}

func (p *ports) CampaignEventTypes(_ context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) ([]projections.EventTypeStatistic, error) {
	p.record("CampaignEventTypes", account)
	if p.eventTypes != nil {
		return p.eventTypes(account, campaign, summary)
	}
	return nil, nil
}

func (p *ports) CampaignWaveCounters(_ context.Context, account domain.AccountID, campaign domain.CampaignID) ([]projections.WaveCounters, error) {
	p.record("CampaignWaveCounters", account)
	if p.waveCounters != nil {
		return p.waveCounters(account, campaign)
	}
	return nil, nil
}

func (p *ports) CampaignEventType(_ context.Context, account domain.AccountID, campaign domain.CampaignID, summary, eventType string) (projections.EventTypeStatistic, error) {
	p.record("CampaignEventType", account)
	return projections.EventTypeStatistic{CampaignID: campaign, SummaryStatus: summary, EventType: eventType}, nil
}

func (p *ports) CampaignerStats(_ context.Context, account domain.AccountID, campaign domain.CampaignID) (projections.CampaignerStats, error) {
	p.record("CampaignerStats", account)
	if p.campaignerStats != nil {
		return p.campaignerStats(account, campaign)
	}
	return projections.CampaignerStats{Campaign: campaign, Status: domain.CampaignPrepared}, nil
}

func (p *ports) CampaignDeviceMetadata(_ context.Context, account domain.AccountID, campaign domain.CampaignID, id string) (projections.DeviceMetadata, error) {
	p.record("CampaignDeviceMetadata", account)
	return projections.DeviceMetadata{ID: id, CampaignID: campaign, DeploymentState: "pending", Mechanism: "connector"}, nil
}

func (p *ports) ListCampaignDeviceMetadata(_ context.Context, account domain.AccountID, campaign domain.CampaignID,
	req projections.ListRequest) (projections.Page[projections.DeviceMetadata], error) {
	p.record("ListCampaignDeviceMetadata", account)
	return projections.Page[projections.DeviceMetadata]{Limit: req.Limit, Order: req.Order}, nil
}
