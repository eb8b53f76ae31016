package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// CampaignAccepted is Campaigner's device event message (libats'
// DeviceEventMessage): a device's user accepted its update in a campaign
// that requires consent (deployment-service-campaign-accepted). Campaigner
// took every device event from one topic and acted on campaign_accepted
// alone; so does this queue.
type CampaignAccepted struct {
	// Namespace is Campaigner's tenant: the account.
	Namespace domain.AccountID `json:"namespace"`
	Event     *DeviceEvent     `json:"event"`
}

// DeviceEvent is one event a device reported.
type DeviceEvent struct {
	DeviceUUID domain.DeviceID `json:"deviceUuid"`
	EventType  *EventType      `json:"eventType"`
	// Payload of a campaign_accepted event: {"campaignId": <campaign id>}.
	Payload json.RawMessage `json:"payload"`
	// EventID, DeviceTime and ReceivedAt are the device's, taken as they
	// are and not read.
	EventID    string     `json:"eventId,omitempty"`
	DeviceTime *time.Time `json:"deviceTime,omitempty"`
	ReceivedAt *time.Time `json:"receivedAt,omitempty"`
}

// EventType names a device event and the version of its payload.
type EventType struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// campaignAcceptedType is the event type this queue acts on, with the one
// version of its payload Campaigner knew.
const campaignAcceptedType = "campaign_accepted"

// acceptedCampaign is a campaign_accepted event's payload.
type acceptedCampaign struct {
	CampaignID string `json:"campaignId"`
}

func (m CampaignAccepted) account() domain.AccountID { return m.Namespace }

// accepts reports whether the event is a campaign_accepted one: any other
// device event is acknowledged and does nothing.
func (m CampaignAccepted) accepts() bool {
	return m.Event != nil && m.Event.EventType != nil && m.Event.EventType.ID == campaignAcceptedType
}

// campaign returns the accepted campaign: Campaigner's dashed UUID form
// is our id without its dashes, as on /api/v2.
func (m CampaignAccepted) campaign() (domain.CampaignID, error) {
	var p acceptedCampaign
	dec := json.NewDecoder(bytes.NewReader(m.Event.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return "", domain.InvalidError{Field: "event.payload", Reason: fmt.Sprintf("not {\"campaignId\": <campaign id>}: %v", err)}
	}
	id := p.CampaignID
	if u, err := uuid.Parse(id); err == nil && len(id) == 36 {
		id = strings.ReplaceAll(u.String(), "-", "")
	}
	if domain.CampaignID(id).Validate() != nil {
		return "", domain.InvalidError{Field: "event.payload.campaignId", Reason: fmt.Sprintf("%q is not a campaign id", p.CampaignID)}
	}
	return domain.CampaignID(id), nil
}

// Validate reports every problem of the message at once, by Campaigner's
// field names.
func (m CampaignAccepted) Validate() error {
	var p problems
	if m.Namespace.Validate() != nil {
		p.invalid("namespace", fmt.Sprintf("%q is not an account id (1-128 characters, no dashes or spaces)", m.Namespace))
	}
	if m.Event == nil {
		p.invalid("event", "is required")
		return p.err()
	}
	if m.Event.DeviceUUID.Validate() != nil {
		p.invalid("event.deviceUuid", fmt.Sprintf("%q is not a device id", m.Event.DeviceUUID))
	}
	switch {
	case m.Event.EventType == nil || m.Event.EventType.ID == "":
		p.invalid("event.eventType.id", "is required")
	case !m.accepts():
	case m.Event.EventType.Version != 0:
		p.invalid("event.eventType.version", fmt.Sprintf("version %d of %s is not known (0 is)", m.Event.EventType.Version, campaignAcceptedType))
	default:
		_, err := m.campaign()
		p.add(err)
	}
	return p.err()
}

// acceptCampaign records the user's consent of a campaign_accepted event.
func acceptCampaign(ctx context.Context, h Handlers, m CampaignAccepted, meta commands.Meta) (commands.Result, error) {
	if !m.accepts() {
		return commands.Result{}, nil
	}
	campaign, err := m.campaign()
	if err != nil {
		return commands.Result{}, err
	}
	return h.Commands.AcceptCampaignUpdate(ctx, commands.AcceptCampaignUpdate{Meta: meta, CampaignID: campaign, DeviceID: m.Event.DeviceUUID})
}
