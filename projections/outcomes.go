package projections

import (
	"fmt"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// The Pelion statistics summary statuses.
const (
	SummarySuccess = "success"
	SummaryFail    = "fail"
	SummaryInfo    = "info"
	SummarySkipped = "skipped"
)

// SummaryStatuses lists every summary status; each campaign has a
// campaign_statistics row for each, from its creation.
var SummaryStatuses = []string{SummaryFail, SummaryInfo, SummarySkipped, SummarySuccess}

// outcome is how a device fact counts in the statistics: its summary and
// its event type. An event type containing %d takes the result code.
type outcome struct {
	summary     string
	eventType   string
	description string
}

// outcomeKey names a device fact: the update state a device reached, and
// for skips the reason.
type outcomeKey struct {
	state domain.UpdateState
	skip  domain.SkipReason
}

// outcomes is the one table from device facts to statistics. Event types:
// SYS_1xx are steps the service takes or sees, SYS_2xx why a device was
// skipped, UPD4_STATE_n the LwM2M update state n (/10252/0/2) the device
// reported, UPD4_OK_100 success and UPD4_FAIL_<code> a failure with the
// device's result code. Every update state and skip reason must be listed:
// a fact missing here stops the runner rather than go uncounted.
var outcomes = map[outcomeKey]outcome{
	{state: domain.UpdatePending}:                                       {SummaryInfo, "SYS_100", "Device enrolled in the campaign; update pending"},
	{state: domain.UpdateQueued}:                                        {SummaryInfo, "SYS_106", "Device enrolled behind another campaign that holds it; queued"},
	{state: domain.UpdateScheduled}:                                     {SummaryInfo, "SYS_101", "Manifest write recorded; about to be sent to the device"},
	{state: domain.UpdateAwaitingConsent}:                               {SummaryInfo, "SYS_103", "Update awaiting the consent of the device's user"},
	{state: domain.UpdateAccepted}:                                      {SummaryInfo, "SYS_104", "Update accepted by the device's user"},
	{state: domain.UpdateRejected}:                                      {SummarySkipped, "SYS_102", "Device not affected: the director rejected it"},
	{state: domain.UpdateUpdatedConnectorChannel}:                       {SummaryInfo, "SYS_110", "Manifest delivered to the device through the connector channel"},
	{state: domain.UpdateFailedConnectorChannelUpdate}:                  {SummaryFail, "SYS_111", "Manifest could not be delivered through the connector channel"},
	{state: domain.UpdateDownloading}:                                   {SummaryInfo, "UPD4_STATE_4", "Device is downloading the firmware"},
	{state: domain.UpdateInstalling}:                                    {SummaryInfo, "UPD4_STATE_7", "Device is installing the firmware"},
	{state: domain.UpdateDeployed}:                                      {SummarySuccess, "UPD4_OK_100", "Update successful"},
	{state: domain.UpdateFailed}:                                        {SummaryFail, "UPD4_FAIL_%d", "Update failed on the device with result code %d"},
	{state: domain.UpdateTimedOut}:                                      {SummaryFail, "SYS_120", "Device stopped reporting during the update"},
	{state: domain.UpdateCancelled}:                                     {SummaryInfo, "SYS_130", "Update cancelled: the campaign stopped"},
	{state: domain.UpdateManifestRemoved}:                               {SummaryInfo, "SYS_131", "Update cancelled: the manifest was deleted"},
	{state: domain.UpdateDeregistered}:                                  {SummaryInfo, "SYS_132", "Update ended: the device was deregistered"},
	{state: domain.UpdateSkipped}:                                       {SummarySkipped, "SYS_200", "Device skipped"},
	{state: domain.UpdateSkipped, skip: domain.SkipAlreadyUpdated}:      {SummarySkipped, "SYS_201", "Device skipped: it already runs this firmware"},
	{state: domain.UpdateSkipped, skip: domain.SkipDeviceClassMismatch}: {SummarySkipped, "SYS_202", "Device skipped: its device class does not match the manifest"},
	{state: domain.UpdateSkipped, skip: domain.SkipDeregistered}:        {SummarySkipped, "SYS_203", "Device skipped: it is deregistered"},
	{state: domain.UpdateSkipped, skip: domain.SkipInOtherCampaign}:     {SummarySkipped, "SYS_204", "Device skipped: it is updating in another campaign"},
}

// retryOutcome is how a retry counts (see campaignStatisticsProjection.retried).
var retryOutcome = outcome{SummaryInfo, "SYS_105", "Update sent again after a failure or timeout (retry policy)"}

// outcomeOf returns how a device reaching state (skipped for skip's
// reason, failed with code) counts in the statistics.
func outcomeOf(state domain.UpdateState, skip domain.SkipReason, code int) (outcome, error) {
	o, ok := outcomes[outcomeKey{state: state, skip: skip}]
	if !ok {
		return outcome{}, fmt.Errorf("no statistics event type for update state %q (skip reason %q): add it to projections.outcomes", state, skip)
	}
	if strings.Contains(o.eventType, "%d") {
		o.eventType, o.description = fmt.Sprintf(o.eventType, code), fmt.Sprintf(o.description, code)
	}
	return o, nil
}
