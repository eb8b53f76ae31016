package http_test

import (
	"context"
	"slices"
	"sync"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// ports fakes every port of the handler. A method calls its function
// field when the test set one; otherwise it answers as a service holding
// whatever is asked for would: a write succeeds at the next position, a
// read of one object finds it, a list is empty. Every call is kept, so a
// test can tell what reached the service and in which account.
type ports struct {
	mu    sync.Mutex
	calls []call
	next  uint64

	createCampaign  func(commands.CreateCampaign) (commands.Result, error)
	editCampaign    func(commands.EditCampaign) (commands.Result, error)
	startCampaign   func(commands.StartCampaign) (commands.Result, error)
	retryFailed     func(commands.RetryFailedCampaign) (commands.Result, error)
	pauseCampaign   func(commands.PauseCampaign) (commands.Result, error)
	resumeCampaign  func(commands.ResumeCampaign) (commands.Result, error)
	campaign        func(domain.AccountID, domain.CampaignID) (projections.Campaign, error)
	nameInUse       func(account domain.AccountID, name string, except domain.CampaignID) (bool, error)
	registerDevice  func(commands.RegisterDevice) (commands.Result, error)
	registerDevices func(commands.RegisterDevices) (commands.BulkResult, error)
	patchDevice     func(commands.PatchDevice) (commands.Result, error)
	device          func(domain.AccountID, domain.DeviceID) (projections.Device, error)
	campaignerStats func(domain.AccountID, domain.CampaignID) (projections.CampaignerStats, error)
	preview         func(domain.AccountID, domain.CampaignID) (*domain.CampaignPreview, error)
	counters        func(domain.AccountID, domain.CampaignID) (projections.Counters, error)
	eventTypes      func(account domain.AccountID, campaign domain.CampaignID, summary string) ([]projections.EventTypeStatistic, error)
	waveCounters    func(domain.AccountID, domain.CampaignID) ([]projections.WaveCounters, error)

	deviceCampaigns     func(domain.AccountID, domain.DeviceID) ([]projections.DeviceCampaign, error)
	failedInstallations func(account domain.AccountID, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]projections.FailedInstallation, error)
}

// call is a port's method called in an account.
type call struct {
	Method  string
	Account domain.AccountID
}

// record keeps a call and returns the position a write there ends at.
func (p *ports) record(method string, account domain.AccountID) eventstore.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call{method, account})
	p.next++
	return eventstore.Position{Commit: p.next}
}

// called returns the calls so far.
func (p *ports) called() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// wrote returns the calls so far that are writes, by their method names.
func (p *ports) wrote() []string {
	var out []string
	for _, c := range p.called() {
		if writes[c.Method] {
			out = append(out, c.Method)
		}
	}
	return out
}

// writes are the ports' methods that change something.
var writes = map[string]bool{"CreateCampaign": true, "EditCampaign": true, "DeleteCampaign": true, "StartCampaign": true,
	"StopCampaign": true, "CancelCampaign": true, "ArchiveCampaign": true, "RegisterDevice": true, "RegisterDevices": true, "PatchDevice": true,
	"DeregisterDevice": true, "RegisterManifest": true, "CreateUpdate": true, "DeleteManifest": true, "HandleRegistration": true,
	"HandleDeregistration": true, "RecordDeviceReports": true, "CancelDeviceUpdate": true, "RetryFailedCampaign": true,
	"AcceptCampaignUpdate": true, "ApproveCampaign": true, "PauseCampaign": true, "ResumeCampaign": true}

// answer is a write's answer: fn's when set, else success at pos.
func answer[C any](fn func(C) (commands.Result, error), c C, pos eventstore.Position) (commands.Result, error) {
	if fn != nil {
		return fn(c)
	}
	return commands.Result{Position: pos}, nil
}

func (p *ports) CreateCampaign(_ context.Context, c commands.CreateCampaign) (commands.Result, error) {
	return answer(p.createCampaign, c, p.record("CreateCampaign", c.Account))
}

func (p *ports) EditCampaign(_ context.Context, c commands.EditCampaign) (commands.Result, error) {
	return answer(p.editCampaign, c, p.record("EditCampaign", c.Account))
}

func (p *ports) DeleteCampaign(_ context.Context, c commands.DeleteCampaign) (commands.Result, error) {
	return commands.Result{Position: p.record("DeleteCampaign", c.Account)}, nil
}

func (p *ports) StartCampaign(_ context.Context, c commands.StartCampaign) (commands.Result, error) {
	return answer(p.startCampaign, c, p.record("StartCampaign", c.Account))
}

func (p *ports) RetryFailedCampaign(_ context.Context, c commands.RetryFailedCampaign) (commands.Result, error) {
	return answer(p.retryFailed, c, p.record("RetryFailedCampaign", c.Account))
}

func (p *ports) StopCampaign(_ context.Context, c commands.StopCampaign) (commands.Result, error) {
	return commands.Result{Position: p.record("StopCampaign", c.Account)}, nil
}

func (p *ports) CancelCampaign(_ context.Context, c commands.CancelCampaign) (commands.Result, error) {
	return commands.Result{Position: p.record("CancelCampaign", c.Account)}, nil
}

func (p *ports) ArchiveCampaign(_ context.Context, c commands.ArchiveCampaign) (commands.Result, error) {
	return commands.Result{Position: p.record("ArchiveCampaign", c.Account)}, nil
}

func (p *ports) ApproveCampaign(_ context.Context, c commands.ApproveCampaign) (commands.Result, error) {
	return commands.Result{Position: p.record("ApproveCampaign", c.Account)}, nil
}

func (p *ports) PauseCampaign(_ context.Context, c commands.PauseCampaign) (commands.Result, error) {
	return answer(p.pauseCampaign, c, p.record("PauseCampaign", c.Account))
}

func (p *ports) ResumeCampaign(_ context.Context, c commands.ResumeCampaign) (commands.Result, error) {
	return answer(p.resumeCampaign, c, p.record("ResumeCampaign", c.Account))
}

func (p *ports) Campaign(_ context.Context, account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
	p.record("Campaign", account)
	if p.campaign != nil {
		c, err := p.campaign(account, id)
		return asRead(c), err
	}
	return draftCampaign(account, id), nil
}

// draftCampaign is a new campaign as the read model shows it.
func draftCampaign(account domain.AccountID, id domain.CampaignID) projections.Campaign {
	return asRead(projections.Campaign{ID: id, AccountID: account, Autostop: true, AutostopSuccessPercent: 100})
}

// asRead fills the closed fields a test left empty with what the read
// model holds for a new campaign, which it never leaves empty: answers
// made of the fake's campaigns are then ones the API documents.
func asRead(c projections.Campaign) projections.Campaign {
	if c.Phase == "" {
		c.Phase, c.State = domain.PhaseDraft, domain.StateDraft
	}
	if c.Strategy == "" {
		c.Strategy = domain.StrategyOneShot
	}
	if c.HealthIndicator == "" {
		c.HealthIndicator = "ok"
	}
	if c.CampaignerStatus == "" {
		c.CampaignerStatus = domain.CampaignPrepared
	}
	return c
}

func (p *ports) ListCampaigns(_ context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Campaign], error) {
	p.record("ListCampaigns", account)
	return projections.Page[projections.Campaign]{Limit: req.Limit, Order: req.Order}, nil
}

func (p *ports) CampaignNameInUse(_ context.Context, account domain.AccountID, name string, except domain.CampaignID) (bool, error) {
	p.record("CampaignNameInUse", account)
	if p.nameInUse != nil {
		return p.nameInUse(account, name, except)
	}
	return false, nil
}

func (p *ports) AcceptCampaignUpdate(_ context.Context, c commands.AcceptCampaignUpdate) (commands.Result, error) {
	return commands.Result{Position: p.record("AcceptCampaignUpdate", c.Account)}, nil
}

func (p *ports) CancelDeviceUpdate(_ context.Context, c commands.CancelDeviceUpdate) (commands.Result, error) {
	return commands.Result{Position: p.record("CancelDeviceUpdate", c.Account)}, nil
}
