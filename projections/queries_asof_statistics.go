package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// StatisticsAsOf are a campaign's Pelion statistics as they were at an
// instant: the four summaries in summary order, and every event type
// counted by then in summary, then event type order.
type StatisticsAsOf struct {
	Summaries  []SummaryStatistic
	EventTypes []EventTypeStatistic
}

// StatisticsAsOf returns one of the account's campaigns' statistics as
// they were at an instant. Statistics count every device that reported
// in a summary or event type, not only where it is now: the campaign's
// device rows up to the instant go, in the global order, through the
// statistics projection's own counting.
func (h *History) StatisticsAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (StatisticsAsOf, error) {
	f, err := h.fold(ctx, account, campaign, at)
	if err != nil {
		return StatisticsAsOf{}, fmt.Errorf("projections.StatisticsAsOf: %w", err)
	}
	s, err := h.statistics(ctx, f, at)
	if err != nil {
		return StatisticsAsOf{}, fmt.Errorf("projections.StatisticsAsOf: %w", err)
	}
	return s, nil
}

func (h *History) statistics(ctx context.Context, f campaignAsOf, at time.Time) (StatisticsAsOf, error) {
	rows, err := h.pool.Query(ctx, `SELECT coalesce(from_state, ''), update_state, skip_reason, coalesce(result_code, 0), event_at
		FROM campaign_history WHERE campaign_id = $1 AND device_id IS NOT NULL AND recorded_at <= $2
		ORDER BY commit_position, prepare_position`, f.row.ID, at)
	if err != nil {
		return StatisticsAsOf{}, err
	}
	p := f.models.statistics // holds the creation's four summaries at zero
	env := envelope{accountID: domain.AccountID(f.row.AccountID)}
	campaign := domain.CampaignID(f.row.ID)
	var from, state domain.UpdateState
	var skip domain.SkipReason
	var code int
	var eventAt time.Time
	_, err = pgx.ForEachRow(rows, []any{&from, &state, &skip, &code, &eventAt}, func() error {
		return p.count(env, campaign, from, state, skip, code, eventAt)
	})
	if err != nil {
		return StatisticsAsOf{}, err
	}
	summaries, eventTypes := p.rows()
	out := StatisticsAsOf{Summaries: []SummaryStatistic{}, EventTypes: []EventTypeStatistic{}}
	for _, s := range summaries {
		out.Summaries = append(out.Summaries, SummaryStatistic{CampaignID: campaign, SummaryStatus: s.SummaryStatus,
			Count: s.Count, CreatedAt: roundAsFromJSON(s.CreatedAt), UpdatedAt: roundAsFromJSON(s.UpdatedAt)})
	}
	for _, e := range eventTypes {
		out.EventTypes = append(out.EventTypes, EventTypeStatistic{CampaignID: campaign, SummaryStatus: e.SummaryStatus,
			EventType: e.EventType, Description: e.Description, Count: e.Count,
			CreatedAt: roundAsFromJSON(e.CreatedAt), UpdatedAt: roundAsFromJSON(e.UpdatedAt)})
	}
	return out, nil
}

// CampaignerStatsAsOf returns Campaigner's statistics of one of the
// account's campaigns as they were at an instant: the live stats' folding
// of its retry campaigns made by then, from each campaign's counters and
// failed devices as of the instant.
func (h *History) CampaignerStatsAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (CampaignerStats, error) {
	s, err := foldCampaignerStats(ctx, h.queries, account, campaign, func(ctx context.Context, id domain.CampaignID) (campaignFigures, error) {
		f, err := h.fold(ctx, account, id, at)
		if err != nil {
			return campaignFigures{}, err
		}
		k, err := h.counters(ctx, f, at)
		if err != nil {
			return campaignFigures{}, err
		}
		failed, err := h.queries.failedByCode(ctx, failedAsOf, account, id, at)
		return campaignFigures{code: f.row.FailureCode, status: domain.CampaignStatus(f.row.CampaignerStatus), k: k, failed: failed}, err
	})
	if err != nil {
		return CampaignerStats{}, fmt.Errorf("projections.CampaignerStatsAsOf: %w", err)
	}
	return s, nil
}

// failedAsOf groups campaign $2's devices that had failed by $3 as
// failedLive does, from each device's last state by then. The text code
// is the record's today: a failed update is terminal, so a device failed
// by then failed the same way since.
var failedAsOf = `SELECT h.update_state, COALESCE(h.result_code, 0), m.failure_code, count(*)
	FROM campaign_device_metadata m
	CROSS JOIN LATERAL (SELECT h.update_state, h.result_code FROM campaign_history h
		WHERE h.campaign_id = m.campaign_id AND h.device_id = m.device_id AND h.recorded_at <= $3
		ORDER BY h.commit_position DESC, h.prepare_position DESC LIMIT 1) h
	JOIN ` + updateStateNames() + ` ON s.update_state = h.update_state
	WHERE m.account_id = $1 AND m.campaign_id = $2 AND s.campaigner_status = 'failed' GROUP BY 1, 2, 3`
