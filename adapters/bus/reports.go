package bus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// MaxReports bounds the reports of one batch message: a webhook body of
// the device connector carries a few hundred.
const MaxReports = 1000

// ReportItem is one report of a batch on
// deployment-service-campaign-device-state: about device_id, exactly one
// of async_response, lwm2m_state, update_result and state.
type ReportItem struct {
	DeviceID domain.DeviceID `json:"device_id,omitempty"`
	// CampaignID names the campaign of a state or an update_result; an
	// LwM2M value without it applies to the device's active campaign.
	CampaignID domain.CampaignID `json:"campaign_id,omitempty"`
	// AsyncResponse is the connector's answer to a manifest write (its
	// async id names the device; device_id may then be left out).
	AsyncResponse *ItemAsyncResponse `json:"async_response,omitempty"`
	// LwM2MState is the value of /10252/0/2.
	LwM2MState *int `json:"lwm2m_state,omitempty"`
	// UpdateResult is the value of /10252/0/3: 1 success, another positive
	// number a failure code.
	UpdateResult *int `json:"update_result,omitempty"`
	// State, with ResultCode for failed, is a step another system
	// reports in campaign_id.
	State      domain.UpdateState `json:"state,omitempty"`
	ResultCode int                `json:"result_code,omitempty"`
	Reason     string             `json:"reason,omitempty"`
}

// ItemAsyncResponse is an async response inside a ReportItem.
type ItemAsyncResponse struct {
	AsyncID string `json:"async_id"`
	Status  int    `json:"status"`
	Error   string `json:"error,omitempty"`
}

// report is the domain report of the item; the error says why the item
// is not one report. The report itself is checked by batchReports.
func (it ReportItem) report() (domain.Report, error) {
	r := domain.Report{Device: it.DeviceID, Campaign: it.CampaignID, State: it.State, ResultCode: it.ResultCode, Reason: it.Reason}
	kinds := 0
	if a := it.AsyncResponse; a != nil {
		kinds++
		async, _ := domain.AsyncResponseReport(a.AsyncID, a.Status, a.Error)
		if r.Device == "" {
			r.Device = async.Device
		}
		r.Kind, r.Campaign, r.Value, r.AsyncID, r.Error = async.Kind, async.Campaign, async.Value, a.AsyncID, a.Error
		if it.CampaignID != "" && it.CampaignID != async.Campaign {
			return r, domain.InvalidError{Field: "campaign_id", Reason: "names another campaign than async_response.async_id"}
		}
	}
	if it.LwM2MState != nil {
		kinds++
		r.Kind, r.Value = domain.ReportLwM2MState, *it.LwM2MState
	}
	if it.UpdateResult != nil {
		kinds++
		r = updateResult(r, *it.UpdateResult)
	}
	if it.State != "" {
		kinds++
		r.Kind = domain.ReportUpdateState
	}
	if kinds != 1 {
		return r, domain.InvalidError{Field: "async_response", Reason: "give exactly one of async_response, lwm2m_state, update_result and state"}
	}
	return r, nil
}

// updateResult makes r the report of an update result: the LwM2M value
// without a campaign, the step it means with one.
func updateResult(r domain.Report, result int) domain.Report {
	if r.Campaign == "" {
		r.Kind, r.Value = domain.ReportLwM2MResult, result
		return r
	}
	r.Kind, r.State = domain.ReportUpdateState, domain.UpdateDeployed
	if result != 1 {
		r.State, r.ResultCode = domain.UpdateFailed, result
	}
	if r.Reason == "" {
		r.Reason = fmt.Sprintf("update result %d reported", result)
	}
	return r
}

// batchReports checks a batch's items and returns their reports; every
// problem is named with its item's index.
func batchReports(items []ReportItem) ([]domain.Report, error) {
	var p problems
	if len(items) > MaxReports {
		p.invalid("reports", fmt.Sprintf("holds %d reports; at most %d per message", len(items), MaxReports))
		return nil, p.err()
	}
	reports := make([]domain.Report, len(items))
	for i, it := range items {
		r, err := it.report()
		if err == nil {
			var q problems
			q.text("reason", it.Reason)
			q.add(r.Validate())
			err = q.err()
		}
		p.add(prefixed(fmt.Sprintf("reports[%d].", i), err))
		reports[i] = r
	}
	return reports, p.err()
}

// itemReports are the items' reports, unchecked: for a message that passed
// Validate, which checked them (the command checks them again).
func itemReports(items []ReportItem) []domain.Report {
	reports := make([]domain.Report, len(items))
	for i, it := range items {
		reports[i], _ = it.report()
	}
	return reports
}

// prefixed puts prefix before the field names of err's invalid fields.
func prefixed(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, prefixed(prefix, e))
		}
		return errors.Join(out...)
	}
	var invalid domain.InvalidError
	if errors.As(err, &invalid) {
		invalid.Field = prefix + invalid.Field
		return invalid
	}
	return err
}

// recordReports is the handling of every report queue: one command for
// the message's reports. A report that cannot apply yet fails the message,
// which is retried (the reports already recorded record nothing the second
// time); refused reports are the message's rejection, logged and acked.
func recordReports(ctx context.Context, h Handlers, reports []domain.Report, meta commands.Meta) (commands.Result, error) {
	res, err := h.Commands.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta, Reports: reports})
	if err != nil {
		return res.Result, err
	}
	for _, waiting := range res.Waiting {
		return res.Result, fmt.Errorf("%d of %d reports wait: %w", len(res.Waiting), len(reports), waiting)
	}
	var refused []error
	for i, err := range res.Refused {
		refused = append(refused, fmt.Errorf("report %d (device %s): %w", i, reports[i].Device, err))
	}
	return res.Result, errors.Join(refused...)
}

// ReportShards is how many partition keys the batches of reports spread
// over: a device's reports always go under the same key, so Kafka keeps
// them in order, while batches of other devices spread over partitions.
const ReportShards = 16

// ReportKey is the partition key of a batch holding device's reports.
func ReportKey(device domain.DeviceID) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(device))
	return fmt.Sprintf("device-reports-%02d", h.Sum32()%ReportShards)
}

// key is a single report's device, or a batch's shard.
func (m CampaignDeviceState) key() string {
	if len(m.Reports) == 0 {
		return string(m.DeviceID)
	}
	r, _ := m.Reports[0].report()
	return ReportKey(r.Device)
}

// reports is what the message reports, valid once Validate passed.
func (m CampaignDeviceState) reports() []domain.Report {
	if m.Reports != nil {
		return itemReports(m.Reports)
	}
	if m.LwM2MState != nil {
		return []domain.Report{{Kind: domain.ReportLwM2MState, Device: m.DeviceID, Value: *m.LwM2MState, Reason: m.Reason}}
	}
	reason := m.Reason
	if reason == "" {
		reason = fmt.Sprintf("%s reported on %s", m.State, QueueCampaignDeviceState)
	}
	return []domain.Report{{Kind: domain.ReportUpdateState, Device: m.DeviceID, Campaign: m.CampaignID,
		State: m.State, ResultCode: m.ResultCode, Reason: reason}}
}

func (m AsyncResponse) reports() []domain.Report {
	r, _ := domain.AsyncResponseReport(m.AsyncID, *m.Status, m.Error)
	return []domain.Report{r}
}

func (m UpdateDeploymentDevice) reports() []domain.Report {
	r := domain.Report{Device: m.DeviceID, Campaign: m.CampaignID}
	if m.CampaignID != "" {
		r.Reason = fmt.Sprintf("update result %d reported on %s", *m.UpdateResult, QueueUpdateDeploymentDevice)
	}
	return []domain.Report{updateResult(r, *m.UpdateResult)}
}
