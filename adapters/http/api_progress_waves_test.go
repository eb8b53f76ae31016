package http_test

import (
	"bufio"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

func TestAProgressEventCarriesTheRolloutsPauseAndEachWavesDevices(t *testing.T) {
	a := progressAPI(t, &liveCampaign{phase: domain.PhaseActive})
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		return projections.Campaign{ID: id, AccountID: account, Phase: domain.PhaseActive, State: domain.StateDeploying,
			HealthIndicator: "warning", Paused: true, PauseReason: "wave 2: too many failures", Wave: 2, WaveSizes: []int{10, 40, 50}}, nil
	}
	a.ports.waveCounters = func(domain.AccountID, domain.CampaignID) ([]projections.WaveCounters, error) {
		return []projections.WaveCounters{{Wave: 1, Started: 10, Deployed: 9, Failed: 1},
			{Wave: 2, Started: 12, Open: 2, Deployed: 4, Failed: 5, TimedOut: 1}}, nil
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	res := openStream(t, srv, acmeKey, "c1")
	ev := readSSE(t, bufio.NewReader(res.Body))
	if ev.Data["paused"] != true || ev.Data["pause_reason"] != "wave 2: too many failures" || ev.Data["wave"] != 2.0 {
		t.Errorf("the rollout's state: paused %v, reason %v, wave %v", ev.Data["paused"], ev.Data["pause_reason"], ev.Data["wave"])
	}
	wave := func(n, size, started, open, deployed, failed, timedOut float64) map[string]any {
		return map[string]any{"wave": n, "size": size, "started": started, "open": open, "deployed": deployed,
			"failed": failed, "timed_out": timedOut, "cancelled": 0.0}
	}
	want := []any{wave(1, 10, 10, 0, 9, 1, 0), wave(2, 40, 12, 2, 4, 5, 1), wave(3, 50, 0, 0, 0, 0, 0)}
	if diff := cmp.Diff(want, ev.Data["waves"]); diff != "" {
		t.Errorf("waves (-want +got):\n%s", diff)
	}
}
