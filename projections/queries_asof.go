package projections

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// A campaign as of an instant is computed from the events recorded up to
// that instant (inclusive): its campaigns row by folding its stream's
// events with the campaigns projection's own code, and everything that
// counts devices from each device's rows in campaign_history up to then,
// the counters being a function of each device's last state.

// campaignAsOf is a campaign folded up to an instant: the read models'
// in-memory rows for its stream's events.
type campaignAsOf struct {
	row    *campaignRow
	models *readModels
}

// fold reads the campaign stream and folds its events recorded at or
// before at. Another account's campaign, one created after at, or one
// deleted by then is not found.
func (h *History) fold(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (campaignAsOf, error) {
	notFound := domain.NotFoundError{Object: "update campaign", ID: string(campaign)}
	recs, err := h.events.ReadStream(ctx, domain.CampaignStream(campaign), eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return campaignAsOf{}, notFound
	}
	if err != nil {
		return campaignAsOf{}, err
	}
	m := newReadModels()
	for _, rec := range recs {
		if recordedAfter(rec.Created, at) {
			break
		}
		env, err := decode(rec)
		if err != nil {
			return campaignAsOf{}, err
		}
		if err := m.apply(env); err != nil {
			return campaignAsOf{}, err
		}
	}
	row := m.campaigns.rows.rows[string(campaign)]
	if row == nil || row.AccountID != string(account) || row.Phase == domain.PhaseDeleted {
		return campaignAsOf{}, notFound
	}
	roundTimes(row)
	return campaignAsOf{row: row, models: m}, nil
}

// recordedAfter reports whether an event recorded at t comes after the
// instant at. campaign_history keeps microseconds, as Postgres does; an
// event store keeping more must not be counted on one side and not the
// other.
func recordedAfter(t, at time.Time) bool {
	return t.Truncate(time.Microsecond).After(at)
}

// roundTimes rounds every time of a folded row as the table would keep it,
// so that a campaign as of now equals its row.
func roundTimes[R any](r *R) {
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		switch t := v.Field(i).Addr().Interface().(type) {
		case *time.Time:
			*t = roundAsFromJSON(*t)
		case **time.Time:
			if *t != nil {
				rounded := roundAsFromJSON(**t)
				*t = &rounded
			}
		}
	}
}

// CampaignAsOf returns one of the account's campaigns as it was at an
// instant: another account's campaign, or one that did not exist yet,
// answers domain.NotFoundError.
func (h *History) CampaignAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (Campaign, error) {
	const op = "projections.CampaignAsOf"
	f, err := h.fold(ctx, account, campaign, at)
	if err != nil {
		return Campaign{}, fmt.Errorf("%s: %w", op, err)
	}
	k, err := h.counters(ctx, f, at)
	if err != nil {
		return Campaign{}, fmt.Errorf("%s: %w", op, err)
	}
	var url string
	err = h.pool.QueryRow(ctx, `SELECT datafile FROM manifests WHERE id = $1 AND account_id = $2`, f.row.RootManifestID, account).Scan(&url)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Campaign{}, fmt.Errorf("%s: %w", op, err)
	}
	return campaignOf(f.row, url, k), nil
}

// campaignOf is a folded row as the API shows it, with the health the
// campaign list derives in SQL.
func campaignOf(r *campaignRow, manifestURL string, k Counters) Campaign {
	health := HealthOK
	switch {
	case slices.Contains([]domain.State{"quotaallocationfailed", "manifestremoved", "conflict", "expired"}, r.State):
		health = HealthError
	case r.Paused || k.FailedTotal > 0:
		health = HealthWarning
	}
	return Campaign{ID: domain.CampaignID(r.ID), AccountID: domain.AccountID(r.AccountID), Name: r.Name, Description: r.Description,
		RootManifestID: domain.ManifestID(r.RootManifestID), RootManifestURL: manifestURL, DeviceFilter: r.DeviceFilter,
		Strategy: domain.Strategy(r.Strategy), ApprovalRequired: r.ApprovalRequired, Autostop: r.Autostop,
		AutostopSuccessPercent: r.AutostopSuccessPercent, AutostopReason: r.AutostopReason, HealthIndicator: health,
		When: r.When, Phase: r.Phase, State: r.State, CampaignerStatus: r.CampaignerStatus,
		ManifestTimestamp: r.ManifestTimestamp, BatchesProcessed: r.BatchesProcessed, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		StartingAt: r.StartingAt, StartedAt: r.StartedAt, ActiveAt: r.ActiveAt, StoppingAt: r.StoppingAt, StoppedAt: r.StoppedAt,
		ArchivedAt: r.ArchivedAt, Finished: r.Finished, Etag: r.Etag, UpdateID: domain.UpdateID(r.UpdateID), Groups: r.Groups,
		Metadata: r.Metadata, ConsentRequired: r.ConsentRequired, MainCampaignID: domain.CampaignID(r.MainCampaignID), FailureCode: r.FailureCode,
		RetryCampaignIDs: []domain.CampaignID{}, RolloutPolicy: r.RolloutPolicy, Paused: r.Paused, PauseCause: r.PauseCause,
		PauseReason: r.PauseReason, PausedAt: r.PausedAt, Wave: r.Wave, WaveSizes: r.WaveSizes}
}

// CountersAsOf returns one of the account's campaigns' counters as they
// were at an instant.
func (h *History) CountersAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (Counters, error) {
	f, err := h.fold(ctx, account, campaign, at)
	if err != nil {
		return Counters{}, fmt.Errorf("projections.CountersAsOf: %w", err)
	}
	k, err := h.counters(ctx, f, at)
	if err != nil {
		return Counters{}, fmt.Errorf("projections.CountersAsOf: %w", err)
	}
	return k, nil
}

// countersMoves sums the moves of campaign $1's device rows recorded at or
// before $2 by state, as the live counters move: an enrolment or a skip
// adds a device to its state, a state change takes it from one state to
// another. With each state's last position, to find the last row.
const countersMoves = `SELECT v.state, sum(v.n), max(ARRAY[h.commit_position, h.prepare_position])
	FROM campaign_history h CROSS JOIN LATERAL (VALUES (h.update_state, 1), (h.from_state, -1)) AS v (state, n)
	WHERE h.campaign_id = $1 AND h.device_id IS NOT NULL AND h.recorded_at <= $2 AND v.state IS NOT NULL
	GROUP BY v.state`

// counters counts the devices of a folded campaign by state at an
// instant; updated_at is the time of the last device event by then, or of
// the creation, as the live row's.
func (h *History) counters(ctx context.Context, f campaignAsOf, at time.Time) (Counters, error) {
	rows, err := h.pool.Query(ctx, countersMoves, f.row.ID, at)
	if err != nil {
		return Counters{}, err
	}
	states := map[domain.UpdateState]int64{}
	var state domain.UpdateState
	var n int64
	var pos, last []int64
	_, err = pgx.ForEachRow(rows, []any{&state, &n, &pos}, func() error {
		if states[state] = n; n == 0 {
			delete(states, state)
		}
		if slices.Compare(pos, last) > 0 {
			last = pos
		}
		return nil
	})
	if err != nil {
		return Counters{}, err
	}
	updated := f.row.CreatedAt
	if len(last) == 2 {
		err = h.pool.QueryRow(ctx, `SELECT event_at FROM campaign_history WHERE campaign_id = $1 AND commit_position = $2 AND prepare_position = $3`,
			f.row.ID, last[0], last[1]).Scan(&updated)
		if err != nil {
			return Counters{}, err
		}
	}
	return countersOf(domain.CampaignID(f.row.ID), states, updated), nil
}

// countersOf fills Counters from the devices per state, with the sums
// campaign_counters' generated columns make.
func countersOf(campaign domain.CampaignID, n map[domain.UpdateState]int64, updated time.Time) Counters {
	k := Counters{CampaignID: campaign, Pending: n[domain.UpdatePending], Queued: n[domain.UpdateQueued], Skipped: n[domain.UpdateSkipped],
		Rejected: n[domain.UpdateRejected], AwaitingConsent: n[domain.UpdateAwaitingConsent],
		Accepted: n[domain.UpdateAccepted], Scheduled: n[domain.UpdateScheduled],
		UpdatedConnectorChannel:      n[domain.UpdateUpdatedConnectorChannel],
		FailedConnectorChannelUpdate: n[domain.UpdateFailedConnectorChannelUpdate],
		Downloading:                  n[domain.UpdateDownloading], Installing: n[domain.UpdateInstalling],
		Deployed: n[domain.UpdateDeployed], Failed: n[domain.UpdateFailed], TimedOut: n[domain.UpdateTimedOut],
		Cancelled: n[domain.UpdateCancelled], ManifestRemoved: n[domain.UpdateManifestRemoved],
		Deregistered: n[domain.UpdateDeregistered], UpdatedAt: updated}
	for _, c := range n {
		k.Targeted += c
	}
	k.Processed = k.Targeted
	k.Affected = k.Targeted - k.Skipped - k.Rejected
	k.InProgress = k.Scheduled + k.UpdatedConnectorChannel + k.Downloading + k.Installing
	k.Completed = k.Deployed
	k.FailedTotal = k.FailedConnectorChannelUpdate + k.Failed + k.TimedOut
	k.Finished = k.Deployed + k.FailedTotal
	k.CancelledTotal = k.Cancelled + k.ManifestRemoved + k.Deregistered
	return k
}
