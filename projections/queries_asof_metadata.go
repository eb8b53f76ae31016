package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// metadataAsOfList lists a campaign's records as they were at an instant
// ($3): each record whose device the campaign had considered by then, with
// its device's last state at or before the instant. What the catalog gave
// the record (name, description, mechanism) and its creation are today's:
// they are fixed at enrolment, but a catalog change while the device
// updated shows in them. Its rollout wave, fixed when it was first
// scheduled, shows from then on. The attempts are the device's enrolment
// and retries by then (a queued device's release starts no new attempt).
// Filters, order and cursor are the live list's.
var metadataAsOfList = func() listSpec {
	spec := metadataList
	spec.from = `(SELECT m.id, m.account_id, m.campaign_id, m.device_id, s.deployment_state, h.update_state, s.campaigner_status,
			h.result_code, h.reason, m.skip_reason,
			CASE WHEN EXISTS (SELECT 1 FROM campaign_history w WHERE w.campaign_id = m.campaign_id AND w.device_id = m.device_id
				AND w.update_state = 'scheduled' AND w.recorded_at <= $3) THEN m.wave ELSE 0 END AS wave, m.mechanism, m.mechanism_url, m.name, m.description, m.created_at,
			h.event_at AS updated_at, h.revision::text AS etag, a.attempts
		FROM campaign_device_metadata m
		CROSS JOIN LATERAL (SELECT h.update_state, h.result_code, h.reason, h.event_at, h.revision FROM campaign_history h
			WHERE h.campaign_id = m.campaign_id AND h.device_id = m.device_id AND h.device_id IS NOT NULL AND h.recorded_at <= $3
			ORDER BY h.commit_position DESC, h.prepare_position DESC LIMIT 1) h
		CROSS JOIN LATERAL (SELECT count(*)::int AS attempts FROM campaign_history a
			WHERE a.campaign_id = m.campaign_id AND a.device_id = m.device_id AND a.device_id IS NOT NULL AND a.recorded_at <= $3
			AND (a.update_state = 'pending' AND a.from_state IS DISTINCT FROM 'queued' OR a.update_state = 'queued' AND a.from_state IS NULL)) a
		JOIN ` + updateStateNames() + ` ON s.update_state = h.update_state) x`
	return spec
}()

// updateStateNames is a VALUES table of each update state with its
// Pelion deployment state and Campaigner status, as the domain maps them.
func updateStateNames() string {
	var rows []string
	for _, s := range domain.UpdateStates {
		rows = append(rows, fmt.Sprintf("(%s, %s, %s)", quoteLiteral(string(s)), quoteLiteral(s.DeploymentState()), quoteLiteral(s.CampaignerStatus())))
	}
	return "(VALUES " + strings.Join(rows, ", ") + ") AS s (update_state, deployment_state, campaigner_status)"
}

// quoteLiteral quotes a constant as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ListCampaignDeviceMetadataAsOf returns a page of one of the account's
// campaigns' records as they were at an instant, in device id order. A
// campaign that did not exist then is not found.
func (h *History) ListCampaignDeviceMetadataAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID,
	at time.Time, req ListRequest) (Page[DeviceMetadata], error) {
	const op = "projections.ListCampaignDeviceMetadataAsOf"
	if _, err := h.fold(ctx, account, campaign, at); err != nil {
		return Page[DeviceMetadata]{}, fmt.Errorf("%s: %w", op, err)
	}
	p, err := list[DeviceMetadata](ctx, h.queries, metadataAsOfList, metadataScope, sqlArgs{account, campaign, at}, req)
	if err != nil {
		return p, fmt.Errorf("%s: %w", op, err)
	}
	return p, nil
}
