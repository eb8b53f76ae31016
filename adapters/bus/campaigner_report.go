package bus

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// DeviceUpdateReport is the update report of Campaigner's Director (libats'
// DeviceInstallationReport, with its field names): how a device's update
// in a campaign ended (deployment-service-device-update-report).
type DeviceUpdateReport struct {
	// Namespace is Campaigner's tenant: the account.
	Namespace domain.AccountID `json:"namespace"`
	Device    domain.DeviceID  `json:"device"`
	// CorrelationID names the campaign: urn:here-ota:campaign:<campaign id>.
	CorrelationID string              `json:"correlationId"`
	Result        *InstallationResult `json:"result"`
	// EcuReports and Report are the Director's per-ECU and raw reports,
	// taken as they are and not read.
	EcuReports json.RawMessage `json:"ecuReports,omitempty"`
	Report     json.RawMessage `json:"report,omitempty"`
	// ReceivedAt is when the Director took the report; the service times
	// devices by its own intake clock, not by this.
	ReceivedAt *time.Time `json:"receivedAt,omitempty"`
}

// InstallationResult is how an installation ended: success, and the
// device's result code and description.
type InstallationResult struct {
	Success *bool `json:"success"`
	// Code is the result code as text; an empty code of a failure is
	// domain.MissingErrorCode.
	Code        string `json:"code"`
	Description string `json:"description,omitempty"`
}

// campaignerCorrelationPrefix starts Campaigner's correlation ids of
// campaigns; its other kind (urn:here-ota:mtu:…) names no campaign.
const campaignerCorrelationPrefix = "urn:here-ota:campaign:"

func (m DeviceUpdateReport) account() domain.AccountID { return m.Namespace }

// campaign returns the campaign the correlation id names; ok is false
// when it names none.
func (m DeviceUpdateReport) campaign() (c domain.CampaignID, ok bool) {
	id, ok := strings.CutPrefix(m.CorrelationID, campaignerCorrelationPrefix)
	return domain.CampaignID(id), ok && domain.CampaignID(id).Validate() == nil
}

// Validate reports every problem of the report at once, by Campaigner's
// field names.
func (m DeviceUpdateReport) Validate() error {
	var p problems
	if m.Namespace.Validate() != nil {
		p.invalid("namespace", fmt.Sprintf("%q is not an account id (1-128 characters, no dashes or spaces)", m.Namespace))
	}
	if m.Device.Validate() != nil {
		p.invalid("device", fmt.Sprintf("%q is not a device id", m.Device))
	}
	if _, ok := m.campaign(); !ok {
		p.invalid("correlationId", fmt.Sprintf("%q is not a campaign's correlation id (%s<campaign id>)", m.CorrelationID, campaignerCorrelationPrefix))
	}
	if m.Result == nil || m.Result.Success == nil {
		p.invalid("result.success", "is required")
		return p.err()
	}
	r := m.reports()[0]
	p.add(prefixed("result.", domain.CheckText("code", r.FailureCode, 200, false)))
	p.text("result.description", m.Result.Description)
	return p.err()
}

// reports is the report's one step: deployed, or failed with its code (a
// positive number as the numeric result code, other text as the failure
// code).
func (m DeviceUpdateReport) reports() []domain.Report {
	campaign, _ := m.campaign()
	res := m.Result
	r := domain.Report{Kind: domain.ReportUpdateState, Device: m.Device, Campaign: campaign, State: domain.UpdateDeployed, Reason: res.Description}
	if !*res.Success {
		r.State = domain.UpdateFailed
		if n, err := strconv.Atoi(res.Code); err == nil && n > 0 && strconv.Itoa(n) == res.Code {
			r.ResultCode = n
		} else {
			r.FailureCode = cmp.Or(res.Code, domain.MissingErrorCode)
		}
	}
	if r.Reason == "" {
		r.Reason = fmt.Sprintf("update report: success %t, code %q", *res.Success, res.Code)
	}
	return []domain.Report{r}
}
