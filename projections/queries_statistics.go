package projections

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// Counters are a campaign's devices counted by update state, and the
// groups Campaigner reports; every column of campaign_counters.
type Counters struct {
	CampaignID                   domain.CampaignID `db:"campaign_id"`
	Targeted                     int64             `db:"targeted"`
	Pending                      int64             `db:"pending"`
	Queued                       int64             `db:"queued"`
	Skipped                      int64             `db:"skipped"`
	Rejected                     int64             `db:"rejected"`
	AwaitingConsent              int64             `db:"awaiting_consent"`
	Accepted                     int64             `db:"accepted"`
	Scheduled                    int64             `db:"scheduled"`
	UpdatedConnectorChannel      int64             `db:"updated_connector_channel"`
	FailedConnectorChannelUpdate int64             `db:"failed_connector_channel_update"`
	Downloading                  int64             `db:"downloading"`
	Installing                   int64             `db:"installing"`
	Deployed                     int64             `db:"deployed"`
	Failed                       int64             `db:"failed"`
	TimedOut                     int64             `db:"timed_out"`
	Cancelled                    int64             `db:"cancelled"`
	ManifestRemoved              int64             `db:"manifest_removed"`
	Deregistered                 int64             `db:"deregistered"`
	Processed                    int64             `db:"processed"`
	Affected                     int64             `db:"affected"`
	InProgress                   int64             `db:"in_progress"`
	Completed                    int64             `db:"completed"`
	FailedTotal                  int64             `db:"failed_total"`
	Finished                     int64             `db:"finished"`
	CancelledTotal               int64             `db:"cancelled_total"`
	UpdatedAt                    time.Time         `db:"updated_at"`
}

// CampaignCounters returns the counters of one of the account's campaigns,
// deleted ones included (the engine may still wind them down).
func (q *Queries) CampaignCounters(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) (Counters, error) {
	c, err := one[Counters](ctx, q, domain.NotFoundError{Object: "update campaign", ID: string(campaign)},
		`SELECT campaign_id, targeted, pending, queued, skipped, rejected, awaiting_consent, accepted, scheduled, updated_connector_channel,
			failed_connector_channel_update, downloading, installing, deployed, failed, timed_out, cancelled,
			manifest_removed, deregistered, processed, affected, in_progress, completed, failed_total, finished,
			cancelled_total, updated_at
		FROM campaign_counters WHERE account_id = $1 AND campaign_id = $2`, account, campaign)
	if err != nil {
		return c, fmt.Errorf("projections.CampaignCounters: %w", err)
	}
	return c, nil
}

// SummaryStatistic is a Pelion statistics summary of a campaign: how many
// device events fell in it.
type SummaryStatistic struct {
	CampaignID    domain.CampaignID `db:"campaign_id"`
	SummaryStatus string            `db:"summary_status"` // success, fail, info or skipped
	Count         int64             `db:"count"`
	CreatedAt     time.Time         `db:"created_at"`
	UpdatedAt     time.Time         `db:"updated_at"`
}

// EventTypeStatistic is the count of one event type within a summary.
type EventTypeStatistic struct {
	CampaignID    domain.CampaignID `db:"campaign_id"`
	SummaryStatus string            `db:"summary_status"`
	EventType     string            `db:"event_type"` // e.g. UPD4_FAIL_101
	Description   string            `db:"description"`
	Count         int64             `db:"count"`
	CreatedAt     time.Time         `db:"created_at"`
	UpdatedAt     time.Time         `db:"updated_at"`
}

// campaignExists makes a statistics query answer not found for a campaign
// the account does not have, rather than an empty list.
const campaignExists = `EXISTS (SELECT FROM campaigns c WHERE ` + campaignScope + ` AND c.id = $2)`

// CampaignStatistics returns the four summaries of one of the account's
// campaigns, in summary order.
func (q *Queries) CampaignStatistics(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) ([]SummaryStatistic, error) {
	if _, err := q.Campaign(ctx, account, campaign); err != nil {
		return nil, fmt.Errorf("projections.CampaignStatistics: %w", err)
	}
	rows, err := q.pool.Query(ctx, `SELECT campaign_id, summary_status, count, created_at, updated_at
		FROM campaign_statistics WHERE account_id = $1 AND campaign_id = $2 ORDER BY summary_status`, account, campaign)
	if err != nil {
		return nil, fmt.Errorf("projections.CampaignStatistics: %w", err)
	}
	s, err := pgx.CollectRows(rows, pgx.RowToStructByName[SummaryStatistic])
	if err != nil {
		return nil, fmt.Errorf("projections.CampaignStatistics: %w", err)
	}
	return s, nil
}

// CampaignStatistic returns one summary of one of the account's campaigns.
func (q *Queries) CampaignStatistic(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) (SummaryStatistic, error) {
	s, err := one[SummaryStatistic](ctx, q, domain.NotFoundError{Object: "statistics summary", ID: summary},
		`SELECT campaign_id, summary_status, count, created_at, updated_at FROM campaign_statistics s
		WHERE `+campaignExists+` AND s.account_id = $1 AND s.campaign_id = $2 AND s.summary_status = $3`,
		account, campaign, strings.ToLower(summary))
	if err != nil {
		return s, fmt.Errorf("projections.CampaignStatistic: %w", err)
	}
	return s, nil
}

// CampaignEventTypes returns the event types counted in one summary of one
// of the account's campaigns, in event type order. An unknown summary is
// not found.
func (q *Queries) CampaignEventTypes(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) ([]EventTypeStatistic, error) {
	if _, err := q.CampaignStatistic(ctx, account, campaign, summary); err != nil {
		return nil, fmt.Errorf("projections.CampaignEventTypes: %w", err)
	}
	rows, err := q.pool.Query(ctx, `SELECT campaign_id, summary_status, event_type, description, count, created_at, updated_at
		FROM campaign_event_types WHERE account_id = $1 AND campaign_id = $2 AND summary_status = $3 ORDER BY event_type`,
		account, campaign, strings.ToLower(summary))
	if err != nil {
		return nil, fmt.Errorf("projections.CampaignEventTypes: %w", err)
	}
	e, err := pgx.CollectRows(rows, pgx.RowToStructByName[EventTypeStatistic])
	if err != nil {
		return nil, fmt.Errorf("projections.CampaignEventTypes: %w", err)
	}
	return e, nil
}

// CampaignEventType returns one event type of one summary of one of the
// account's campaigns; the event type matches case-insensitively
// (upd4_fail_101 is UPD4_FAIL_101).
func (q *Queries) CampaignEventType(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary, eventType string) (EventTypeStatistic, error) {
	e, err := one[EventTypeStatistic](ctx, q, domain.NotFoundError{Object: "statistics event type", ID: eventType},
		`SELECT campaign_id, summary_status, event_type, description, count, created_at, updated_at FROM campaign_event_types s
		WHERE `+campaignExists+` AND s.account_id = $1 AND s.campaign_id = $2 AND s.summary_status = $3 AND s.event_type = $4`,
		account, campaign, strings.ToLower(summary), strings.ToUpper(eventType))
	if err != nil {
		return e, fmt.Errorf("projections.CampaignEventType: %w", err)
	}
	return e, nil
}

// CampaignerStats are Campaigner's statistics of a campaign.
type CampaignerStats struct {
	Campaign   domain.CampaignID
	Status     domain.CampaignStatus
	Processed  int64 // devices of the campaign
	Affected   int64 // not rejected (nor skipped)
	Cancelled  int64
	Finished   int64 // successful + failed
	Failed     int64
	Successful int64
	// Failures count the failed devices by failure code, in code order.
	Failures []FailureCount
}

// FailureCount is how many devices failed with one code, and how far
// the retry campaign of that code went.
type FailureCount struct {
	Code        string
	Count       int64
	RetryStatus string
}

// The retry statuses of a failure code: no retry campaign of it, one
// running, or one ended (finished or cancelled).
const (
	RetryNotLaunched = "not_launched"
	RetryLaunched    = "launched"
	RetryFinished    = "finished"
)

// campaignFigures are what Campaigner's statistics are computed from, of
// a main campaign and of each of its retry campaigns.
type campaignFigures struct {
	code   string
	status domain.CampaignStatus
	k      Counters
	// failed counts the campaign's failed devices by Campaigner failure
	// code, as failed-installations names them.
	failed map[string]int64
}

// The Campaigner failure codes of failures the service saw, rather than a
// device reported: the manifest could not be delivered, the device went
// silent, or the device failed without a result code.
const (
	FailureAssignUpdate          = "ASSIGN_UPDATE_FAILED"
	FailureDeviceUpdateProcess   = "DEVICE_UPDATE_PROCESS_FAILED"
	FailureMissingErrorCode      = "MISSING_ERROR_CODE"
	deviceFailureEventTypePrefix = "UPD4_FAIL_"
)

// failureCode maps a fail event type onto Campaigner's failure code: the
// device's result code as text for UPD4_FAIL_<code>, a server code for
// the failures the service saw.
func failureCode(eventType string) string {
	switch {
	case eventType == "SYS_111":
		return FailureAssignUpdate
	case eventType == "SYS_120":
		return FailureDeviceUpdateProcess
	case eventType == deviceFailureEventTypePrefix+"0":
		return FailureMissingErrorCode
	case strings.HasPrefix(eventType, deviceFailureEventTypePrefix):
		return strings.TrimPrefix(eventType, deviceFailureEventTypePrefix)
	}
	return eventType
}

// campaignerFailureCode is Campaigner's failure code of a device whose
// update failed in state s: the text code its report gave (a Director's
// queue report), else the code the statistics count it under, so the
// failed-installations list and the stats' failures name a failure alike.
func campaignerFailureCode(s domain.UpdateState, resultCode int, text string) string {
	if text != "" {
		return text
	}
	o, err := outcomeOf(s, "", resultCode)
	if err != nil {
		return FailureMissingErrorCode
	}
	return failureCode(o.eventType)
}

// CampaignerStats returns Campaigner's statistics of one of the account's
// campaigns with its retry campaigns folded in, from the counters of each
// and the failed devices' codes (see campaignFigures).
func (q *Queries) CampaignerStats(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) (CampaignerStats, error) {
	s, err := foldCampaignerStats(ctx, q, account, campaign, func(ctx context.Context, id domain.CampaignID) (campaignFigures, error) {
		c, err := q.campaignRow(ctx, account, id)
		if err != nil {
			return campaignFigures{}, err
		}
		k, err := q.CampaignCounters(ctx, account, c.ID)
		if err != nil {
			return campaignFigures{}, err
		}
		failed, err := q.failedByCode(ctx, failedLive, account, c.ID)
		return campaignFigures{code: c.FailureCode, status: c.CampaignerStatus, k: k, failed: failed}, err
	})
	if err != nil {
		return CampaignerStats{}, fmt.Errorf("projections.CampaignerStats: %w", err)
	}
	return s, nil
}

// foldCampaignerStats reads the figures of a main campaign and of each of
// its retry campaigns and folds them (campaignerStatsOf): the one code
// path of the live stats and the stats as of an instant, which differ
// only in how a campaign's figures are read. A retry campaign whose
// figures are not found (made after the instant) is left out.
func foldCampaignerStats(ctx context.Context, q *Queries, account domain.AccountID, campaign domain.CampaignID,
	figures func(context.Context, domain.CampaignID) (campaignFigures, error)) (CampaignerStats, error) {
	main, err := figures(ctx, campaign)
	if err != nil {
		return CampaignerStats{}, err
	}
	ids, err := q.retryCampaigns(ctx, account, campaign)
	if err != nil {
		return CampaignerStats{}, err
	}
	var retries []campaignFigures
	for _, id := range ids {
		r, err := figures(ctx, id)
		if domain.KindOf(err) == domain.KindNotFound {
			continue
		}
		if err != nil {
			return CampaignerStats{}, err
		}
		retries = append(retries, r)
	}
	return campaignerStatsOf(campaign, main, retries), nil
}

// failedLive groups campaign $2's failed devices by what names their
// failure: state, result code and text code.
const failedLive = `SELECT update_state, COALESCE(result_code, 0), failure_code, count(*)
	FROM campaign_device_metadata
	WHERE account_id = $1 AND campaign_id = $2 AND campaigner_status = 'failed' GROUP BY 1, 2, 3`

// failedByCode counts one campaign's failed devices by failure code, from
// a query grouping them as failedLive does. The codes are grouped from
// the failed devices' rows, because a Director's text code
// (INSTALL_FAILED), which retry-failed selects by, has no counter; the
// rows read are the failed ones only.
func (q *Queries) failedByCode(ctx context.Context, query string, args ...any) (map[string]int64, error) {
	rows, err := q.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	failed := map[string]int64{}
	var state domain.UpdateState
	var code int
	var text string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&state, &code, &text, &n}, func() error {
		failed[campaignerFailureCode(state, code, text)] += n
		return nil
	})
	return failed, err
}

// campaignerStatsOf derives Campaigner's statistics of a main campaign M
// and its retry campaigns R, whose devices are M's devices that failed
// with R's code: processed = M's devices; affected = M's non-rejected −
// R's rejected; cancelled = M's + R's cancelled; finished = M's
// successful + failed − R's rejected − R's cancelled; failed = devices
// whose latest finished update failed (M's failed but R's successful);
// successful = finished − failed. A code's count moves from M's to the
// code each of R's finished devices ended with.
func campaignerStatsOf(campaign domain.CampaignID, m campaignFigures, retries []campaignFigures) CampaignerStats {
	k := m.k
	s := CampaignerStats{Campaign: campaign, Status: m.status, Processed: k.Processed, Affected: k.Affected,
		Cancelled: k.CancelledTotal, Finished: k.Finished, Failed: k.FailedTotal}
	counts, statuses := maps.Clone(m.failed), map[string]string{}
	if counts == nil {
		counts = map[string]int64{}
	}
	for _, r := range retries {
		rejected := r.k.Processed - r.k.Affected
		s.Affected -= rejected
		s.Cancelled += r.k.CancelledTotal
		s.Finished -= rejected + r.k.CancelledTotal
		s.Failed -= r.k.Completed
		counts[r.code] -= r.k.Completed + r.k.FailedTotal
		for code, n := range r.failed {
			counts[code] += n
		}
		statuses[r.code] = retryStatusOf(r.status)
	}
	s.Successful = s.Finished - s.Failed
	s.Failures = []FailureCount{}
	for code, n := range counts {
		if n > 0 {
			s.Failures = append(s.Failures, FailureCount{Code: code, Count: n, RetryStatus: cmp.Or(statuses[code], RetryNotLaunched)})
		}
	}
	sortFailures(s.Failures)
	return s
}

// retryStatusOf is the retry status a retry campaign's status gives its
// code: a retry campaign is launched at creation.
func retryStatusOf(s domain.CampaignStatus) string {
	switch s {
	case domain.CampaignFinished, domain.CampaignCancelled:
		return RetryFinished
	case domain.CampaignPrepared, domain.CampaignLaunched:
		return RetryLaunched
	}
	return RetryLaunched
}

// sortFailures orders failures by code, numeric codes first by value.
func sortFailures(f []FailureCount) {
	slices.SortFunc(f, func(a, b FailureCount) int {
		na, ea := strconv.Atoi(a.Code)
		nb, eb := strconv.Atoi(b.Code)
		switch {
		case ea == nil && eb == nil:
			return cmp.Compare(na, nb)
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		}
		return cmp.Compare(a.Code, b.Code)
	})
}
