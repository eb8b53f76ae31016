package engine_test

import (
	"context"
	"slices"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The read model's campaign reads, checkpoints and quarantine.

// DrivableCampaigns lists the campaigns timed, starting, active or stopping.
func (m *readModel) DrivableCampaigns(context.Context) ([]engine.CampaignRef, error) {
	campaigns, err := aggregates(m, domain.CampaignStreamPrefix, domain.LoadCampaign)
	if err != nil {
		return nil, err
	}
	drivable := []domain.Phase{domain.PhaseTimed, domain.PhaseStarting, domain.PhaseActive, domain.PhaseStopping}
	var out []engine.CampaignRef
	for _, c := range campaigns {
		if slices.Contains(drivable, c.Phase()) {
			out = append(out, engine.CampaignRef{ID: c.ID(), Account: c.AccountID()})
		}
	}
	return out, nil
}

// CampaignsUsingManifest lists the account's campaigns of manifest not over yet.
func (m *readModel) CampaignsUsingManifest(ctx context.Context, account domain.AccountID, manifest domain.ManifestID) ([]domain.CampaignID, error) {
	if m.usingManifest != nil {
		return m.usingManifest(ctx, account, manifest)
	}
	campaigns, err := aggregates(m, domain.CampaignStreamPrefix, domain.LoadCampaign)
	if err != nil {
		return nil, err
	}
	over := []domain.Phase{domain.PhaseDraft, domain.PhaseStopped, domain.PhaseArchived, domain.PhaseDeleted}
	var out []domain.CampaignID
	for _, c := range campaigns {
		if c.AccountID() == account && c.ManifestID() == manifest && !slices.Contains(over, c.Phase()) {
			out = append(out, c.ID())
		}
	}
	return out, nil
}

// Checkpoint returns the position saved under name.
func (m *readModel) Checkpoint(_ context.Context, name string) (eventstore.Position, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.checkpoints[name], nil
}

// SaveCheckpoint saves pos under name.
func (m *readModel) SaveCheckpoint(_ context.Context, name string, pos eventstore.Position) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoints[name] = pos
	return nil
}

// QuarantineCampaign keeps the campaign in quarantine with the reason.
func (m *readModel) QuarantineCampaign(_ context.Context, _ string, account domain.AccountID, id domain.CampaignID, why error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.quarantined[id] = quarantined{account: account, reason: why.Error()}
	return nil
}

// QuarantinedCampaigns lists the campaigns in quarantine.
func (m *readModel) QuarantinedCampaigns(context.Context, string) ([]domain.CampaignID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.CampaignID
	for id := range m.quarantined {
		out = append(out, id)
	}
	return out, nil
}

// CampaignRetries takes the marks of requestRetry, as the read model does.
func (m *readModel) CampaignRetries(context.Context, string) ([]engine.CampaignRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []engine.CampaignRef
	for id, q := range m.quarantined {
		if q.retry {
			out = append(out, engine.CampaignRef{ID: id, Account: q.account})
			q.retry = false
			m.quarantined[id] = q
		}
	}
	return out, nil
}

// ReleaseCampaign takes the campaign out of quarantine.
func (m *readModel) ReleaseCampaign(_ context.Context, _ string, id domain.CampaignID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.quarantined, id)
	return nil
}

// quarantine returns the campaigns in quarantine with their reasons.
func (m *readModel) quarantine() map[domain.CampaignID]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[domain.CampaignID]string{}
	for id, q := range m.quarantined {
		out[id] = q.reason
	}
	return out
}

// requestRetry marks a quarantined campaign for retry, as an operator does.
func (m *readModel) requestRetry(id domain.CampaignID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.quarantined[id]
	q.retry = true
	m.quarantined[id] = q
}
