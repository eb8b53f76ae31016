package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// historyRow is a row of campaign_history: one event that concerns a
// campaign. Device rows carry the device's state in the campaign after
// the event; campaign rows leave those columns NULL.
type historyRow struct {
	CampaignID  string
	Commit      int64
	Prepare     int64
	AccountID   string
	Stream      string
	Revision    int64
	EventType   string
	RecordedAt  time.Time
	EventAt     *time.Time
	DeviceID    *string
	UpdateState *string
	FromState   *string
	SkipReason  *string
	ResultCode  *int
	Reason      *string
}

// historyColumns are campaign_history's columns, in historyRow's order.
var historyColumns = []string{"campaign_id", "commit_position", "prepare_position", "account_id", "stream_id", "revision",
	"event_type", "recorded_at", "event_at", "device_id", "update_state", "from_state", "skip_reason", "result_code", "reason"}

// campaignHistoryProjection indexes the events that concern a campaign.
// Rows are facts that never change, so a batch only appends: no row is
// read, and redelivery cannot add a row twice because the rows commit
// with the checkpoint.
type campaignHistoryProjection struct {
	rows []historyRow
}

func newCampaignHistoryProjection() *campaignHistoryProjection {
	return &campaignHistoryProjection{}
}

// OnCampaignEvent indexes any event of a campaign stream.
func (p *campaignHistoryProjection) OnCampaignEvent(env envelope) {
	p.rows = append(p.rows, p.row(env, env.campaignID))
}

// OnDeviceEnrolled indexes an enrolment: the device is pending or queued.
func (p *campaignHistoryProjection) OnDeviceEnrolled(env envelope, e domain.DeviceEnrolled) {
	p.device(env, e.CampaignID, env.at(e.At), e.State(), nil, "", 0, "")
}

// OnDeviceSkipped indexes a skip, with its reason.
func (p *campaignHistoryProjection) OnDeviceSkipped(env envelope, e domain.DeviceSkipped) {
	p.device(env, e.CampaignID, env.at(e.At), domain.UpdateSkipped, nil, e.Reason, 0, "")
}

// OnDeviceUpdateStateChanged indexes a step of the device's update.
func (p *campaignHistoryProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) {
	from := string(e.From)
	p.device(env, e.CampaignID, env.at(e.At), e.To, &from, "", e.ResultCode, e.Reason)
}

func (p *campaignHistoryProjection) device(env envelope, campaign domain.CampaignID, at time.Time,
	state domain.UpdateState, from *string, skip domain.SkipReason, code int, reason string) {
	r := p.row(env, campaign)
	device, st, sk := string(env.deviceID), string(state), string(skip)
	at = roundAsFromJSON(at)
	r.EventAt, r.DeviceID, r.UpdateState, r.FromState, r.SkipReason, r.Reason = &at, &device, &st, from, &sk, &reason
	if code != 0 {
		r.ResultCode = &code
	}
	p.rows = append(p.rows, r)
}

func (p *campaignHistoryProjection) row(env envelope, campaign domain.CampaignID) historyRow {
	account := env.accountID
	if account == "" {
		account = env.metaAccount
	}
	return historyRow{CampaignID: string(campaign), Commit: int64(env.position.Commit), Prepare: int64(env.position.Prepare),
		AccountID: string(account), Stream: env.stream, Revision: int64(env.revision), EventType: env.event.Name(),
		RecordedAt: env.recorded}
}

// copyNew copies the batch's rows in, in the global order.
func (p *campaignHistoryProjection) copyNew(ctx context.Context, tx pgx.Tx) error {
	if len(p.rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"campaign_history"}, historyColumns,
		pgx.CopyFromSlice(len(p.rows), func(i int) ([]any, error) {
			r := &p.rows[i]
			return []any{r.CampaignID, r.Commit, r.Prepare, r.AccountID, r.Stream, r.Revision, r.EventType,
				r.RecordedAt, r.EventAt, r.DeviceID, r.UpdateState, r.FromState, r.SkipReason, r.ResultCode, r.Reason}, nil
		}))
	if err != nil {
		return fmt.Errorf("copying new rows into campaign_history: %w", err)
	}
	return nil
}
