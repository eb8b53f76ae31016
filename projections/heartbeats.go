package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// heartbeatStates are the update states in which a device is expected to
// report progress, and so the ones a heartbeat keeps alive: the states the
// campaign engine times out.
var heartbeatStates = []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
	domain.UpdateDownloading, domain.UpdateInstalling}

// TouchCampaignDevice records a heartbeat of a device updating in a
// campaign (the deployment-service-campaign-device-heartbeat queue): the
// device's campaign-device metadata updated_at moves forward to at, which
// is what the engine's DEVICE_UPDATE_TIMEOUT sweep reads, so a device that
// beats is not timed out while one that falls silent still is.
//
// A heartbeat is deliberately not an event: devices beat often, and an
// event per beat would grow every device stream and the global order for
// a fact nobody audits. The cost is that a rebuild of the read models
// does not replay heartbeats: a rebuilt row shows the time of its last
// state change until the next beat. A touch racing with the projection
// runner's write of the same row may be overwritten by the event's own
// time, which only shortens that device's grace by one beat.
//
// It returns false when the account has no such device in the campaign,
// or its update is not in progress (pending, or over): nothing to keep
// alive.
func (q *EngineQueries) TouchCampaignDevice(ctx context.Context, account domain.AccountID, campaign domain.CampaignID,
	device domain.DeviceID, at time.Time) (bool, error) {
	tag, err := q.pool.Exec(ctx, `UPDATE campaign_device_metadata SET updated_at = GREATEST(updated_at, $5)
		WHERE account_id = $1 AND campaign_id = $2 AND device_id = $3 AND update_state = ANY($4)`,
		account, campaign, device, stateNames(heartbeatStates), at)
	if err != nil {
		return false, fmt.Errorf("projections.TouchCampaignDevice %s in %s: %w", device, campaign, err)
	}
	return tag.RowsAffected() > 0, nil
}
