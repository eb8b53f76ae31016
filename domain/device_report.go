package domain

import (
	"errors"
	"fmt"
	"time"
)

// Report rules: what a report from the device side does to a device's
// update (Device rule 6 says which moves exist; these say which a report
// makes).
//
//  1. A report names a step of the update. Devices report steps the
//     service may not have seen (a lost or coalesced notification, a
//     result before the connector's async response), so a later step is
//     reached through the shortest chain of allowed steps before it, each
//     recorded with the reason "implied by …".
//  2. A report of the step the update is at, of a step behind it, or of a
//     step it cannot reach (a terminal update never moves again) records
//     nothing: repeated, late and reordered reports are harmless.
//  3. An LwM2M value concerns the device's active campaign; with none (or
//     on a device that never registered) it records nothing. An update
//     state names its campaign: a late report about a campaign the device
//     has left never moves its update in the next one; a device without an
//     update there, or skipped there, answers not found.
//  4. An async response answers the manifest write of its campaign: 2xx
//     means delivered (updated_connector_channel), anything else not
//     (failed_connector_channel_update). It moves only a scheduled update;
//     an update still pending has no write recorded yet and answers
//     ErrSendNotRecorded, which its caller retries and never drops. Its
//     async id names the account of the write: an answer naming another
//     account than the device's answers not found, so that one account's
//     connector never moves another account's device of the same id.
//  5. LwM2M update states (/10252/0/2): 2 and 3 mean the manifest arrived,
//     4 to 6 downloading, 7 and 8 installing, any other value nothing. The
//     update result (/10252/0/3): 0 nothing, 1 deployed, any other value
//     failed with that code.
//  6. A report never implies the user's consent (Device rule 8): the chain
//     of rule 1 never passes through accepted, so an update awaiting
//     consent moves on a report only to an end (a failure, say).

// ReportKind says what a report carries.
type ReportKind string

// The kinds of report.
const (
	// ReportAsyncResponse is the device connector's answer to a manifest
	// write: Status (HTTP-like), Error, AsyncID, and the campaign and
	// device the async id names.
	ReportAsyncResponse ReportKind = "async_response"
	// ReportLwM2MState is the value of /10252/0/2 in Value.
	ReportLwM2MState ReportKind = "lwm2m_state"
	// ReportLwM2MResult is the value of /10252/0/3 in Value.
	ReportLwM2MResult ReportKind = "update_result"
	// ReportUpdateState is a step another system reports in a named
	// campaign: State, and ResultCode or FailureCode for failed.
	ReportUpdateState ReportKind = "state"
)

// ReportKinds lists every kind of report.
var ReportKinds = []ReportKind{ReportAsyncResponse, ReportLwM2MState, ReportLwM2MResult, ReportUpdateState}

// ParseReportKind parses a report kind's name.
func ParseReportKind(s string) (ReportKind, error) { return parseEnum("report kind", s, ReportKinds) }

// ErrSendNotRecorded says an async response came before the manifest write
// it answers was recorded (rule 4): the connector answered faster than the
// write was recorded. Try the report again later; dropping it would leave
// the device waiting for an answer that already came.
var ErrSendNotRecorded = errors.New("the manifest write this answers is not recorded yet")

// Report is one report from the device side about a device's update.
type Report struct {
	Kind   ReportKind
	Device DeviceID
	// Campaign is the campaign the report is about: required for async
	// responses and update states, empty for LwM2M values (rule 3).
	Campaign CampaignID
	// Value is the LwM2M resource's value, or the async response's status.
	Value int
	// State, ResultCode and FailureCode are an update state's step.
	State       UpdateState
	ResultCode  int
	FailureCode string
	// AsyncID and Error are an async response's id and error text.
	AsyncID string
	Error   string
	// Reason says who reported what, for people reading the history;
	// empty: one is made from the report.
	Reason string
}

// AsyncResponseReport is the connector's answer to the manifest write
// asyncID names; ok is false when asyncID is not one of this service's.
func AsyncResponseReport(asyncID string, status int, errText string) (r Report, ok bool) {
	_, campaign, device, ok := ParseAsyncID(asyncID)
	return Report{Kind: ReportAsyncResponse, Device: device, Campaign: campaign, Value: status, AsyncID: asyncID, Error: errText}, ok
}

// Validate reports every problem of the report at once.
func (r Report) Validate() error {
	var problems []error
	invalid := func(field, reason string) { problems = append(problems, InvalidError{Field: field, Reason: reason}) }
	problems = append(problems, r.Device.Validate())
	problems = append(problems, textProblems(textProblem("reason", r.Reason, 2000, freeText), textProblem("error", r.Error, 2000, freeText))...)
	if _, err := ParseReportKind(string(r.Kind)); err != nil {
		return errors.Join(append(problems, err)...)
	}
	switch r.Kind {
	case ReportAsyncResponse:
		if _, campaign, device, ok := ParseAsyncID(r.AsyncID); !ok || campaign != r.Campaign || device != r.Device {
			invalid("async_id", fmt.Sprintf("%q is not the async id of a manifest write to device %q", r.AsyncID, r.Device))
		}
		if r.Value < 100 || r.Value > 999 {
			invalid("status", fmt.Sprintf("%d is not a status code", r.Value))
		}
	case ReportLwM2MState, ReportLwM2MResult:
		if r.Campaign != "" {
			invalid("campaign_id", "an LwM2M value applies to the device's active campaign: give it without a campaign")
		}
		if r.Value < 0 {
			invalid(string(r.Kind), fmt.Sprintf("%d is not an LwM2M value", r.Value))
		}
	case ReportUpdateState:
		problems = append(problems, r.Campaign.Validate(), r.stateProblem())
	}
	return errors.Join(problems...)
}

// stateProblem checks an update state's step.
func (r Report) stateProblem() error {
	if _, err := ParseUpdateState(string(r.State)); err != nil {
		return err
	}
	if r.State == UpdatePending || r.State == UpdateSkipped {
		return InvalidError{Field: "state", Reason: fmt.Sprintf("%s is decided by the service, not reported", r.State)}
	}
	return failureCodeProblem(r.State, r.ResultCode, r.FailureCode)
}

// step is the update step the report names; ok is false when it names
// none (rule 5).
func (r Report) step() (change UpdateChange, ok bool) {
	reason := r.Reason
	switch r.Kind {
	case ReportAsyncResponse:
		change = UpdateChange{To: UpdateFailedConnectorChannelUpdate, Reason: r.Error, AsyncID: r.AsyncID}
		if r.Value >= 200 && r.Value < 300 {
			change.To, change.Reason = UpdateUpdatedConnectorChannel, "manifest delivered"
		} else if change.Reason == "" {
			change.Reason = fmt.Sprintf("device connector answered status %d", r.Value)
		}
		if reason != "" {
			change.Reason = reason
		}
		return change, true
	case ReportLwM2MState:
		change.Reason = cmpOr(reason, fmt.Sprintf("device reported /10252/0/2 = %d", r.Value))
		switch r.Value {
		case 2, 3:
			change.To = UpdateUpdatedConnectorChannel
		case 4, 5, 6:
			change.To = UpdateDownloading
		case 7, 8:
			change.To = UpdateInstalling
		default:
			return UpdateChange{}, false // 0 uninitialised, 1 idle, or a value this service does not know
		}
		return change, true
	case ReportLwM2MResult:
		change.Reason = cmpOr(reason, fmt.Sprintf("device reported /10252/0/3 = %d", r.Value))
		switch r.Value {
		case 0:
			return UpdateChange{}, false
		case 1:
			change.To = UpdateDeployed
		default:
			change.To, change.ResultCode = UpdateFailed, r.Value
		}
		return change, true
	case ReportUpdateState:
		return UpdateChange{To: r.State, ResultCode: r.ResultCode, FailureCode: r.FailureCode, Reason: cmpOr(reason, fmt.Sprintf("%s reported", r.State))}, true
	}
	return UpdateChange{}, false
}

// cmpOr returns a unless it is empty, else b.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Report applies a report to the device's update (the report rules).
func (d *Device) Report(r Report, now time.Time) error {
	const op = "device.Report"
	if err := r.Validate(); err != nil {
		return wrap(op, err)
	}
	change, ok := r.step()
	if !ok {
		return nil
	}
	campaign := r.Campaign
	switch r.Kind {
	case ReportLwM2MState, ReportLwM2MResult:
		if campaign = d.active; campaign == "" {
			return nil // rule 3: no active campaign, or never registered
		}
	case ReportUpdateState, ReportAsyncResponse:
		u, ok := d.updates[campaign]
		if d.id == "" || !ok || u.State == UpdateSkipped || !d.asyncIDOfAccount(r) {
			return wrap(op, NotFoundError{Object: "device update", ID: string(r.Device) + " in campaign " + string(campaign)})
		}
		if r.Kind == ReportAsyncResponse {
			switch u.State {
			case UpdatePending:
				return wrap(op, fmt.Errorf("async response %s: %w", r.AsyncID, ErrSendNotRecorded))
			case UpdateScheduled:
			default:
				return nil // past the write: a repeat, or it came after the device's own reports
			}
		}
	}
	return wrap(op, d.reach(campaign, change, now))
}

// asyncIDOfAccount reports whether an async response's id names the
// device's account (rule 4); other reports name none and pass.
func (d *Device) asyncIDOfAccount(r Report) bool {
	if r.Kind != ReportAsyncResponse {
		return true
	}
	account, _, _, _ := ParseAsyncID(r.AsyncID)
	return account == d.account
}

// reach moves the update to change.To through the allowed steps before
// it (rules 1 and 2).
func (d *Device) reach(campaign CampaignID, change UpdateChange, now time.Time) error {
	steps := stepsTo(d.updates[campaign].State, change.To)
	for i, to := range steps {
		step := UpdateChange{To: to, Reason: "implied by " + change.Reason}
		if i == len(steps)-1 {
			step = change
		}
		if err := d.ChangeUpdateState(campaign, step, now); err != nil {
			return err
		}
	}
	return nil
}

// stepsTo returns the shortest chain of allowed update steps from one
// state to another, ending with to; none when to is where the update is,
// behind it, or not reachable (a terminal update never moves again).
func stepsTo(from, to UpdateState) []UpdateState {
	prev := map[UpdateState]UpdateState{from: from}
	queue := []UpdateState{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, next := range updateTransitions[s] {
			if _, seen := prev[next]; seen || next == UpdateAccepted { // rule 6
				continue
			}
			prev[next] = s
			if next == to {
				var steps []UpdateState
				for at := to; at != from; at = prev[at] {
					steps = append([]UpdateState{at}, steps...)
				}
				return steps
			}
			queue = append(queue, next)
		}
	}
	return nil
}
