package projections

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// envelope is a decoded event with what the read models need from its
// record: where it is in the global order and whose stream it belongs to.
// Many events name their aggregate only through the stream, so the stream
// name is parsed once here.
type envelope struct {
	event    domain.Event
	position eventstore.Position
	stream   string
	revision uint64
	recorded time.Time

	// Set according to the stream's kind.
	campaignID domain.CampaignID
	accountID  domain.AccountID
	deviceID   domain.DeviceID
	manifestID domain.ManifestID
	// metaAccount is the account the event's metadata names: campaign
	// streams name no account.
	metaAccount     domain.AccountID
	updateID        domain.UpdateID
	firmwareImageID domain.FirmwareImageID
	uploadJobID     domain.UploadJobID
	webhookID       domain.WebhookID
}

// decode turns a stored event into an envelope. An unknown type, bad data
// or a stream name that no aggregate uses is an error: the runner stops
// rather than skip a fact.
func decode(rec eventstore.RecordedEvent) (envelope, error) {
	ev, err := domain.DecodeEvent(rec.Type, rec.Data)
	if err != nil {
		return envelope{}, fmt.Errorf("event at position %s (stream %s, revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	env := envelope{event: ev, position: rec.Position, stream: rec.Stream, revision: rec.Revision, recorded: rec.Created,
		metaAccount: domain.AccountID(rec.Metadata.AccountID)}
	switch s := rec.Stream; {
	case strings.HasPrefix(s, domain.CampaignStreamPrefix):
		env.campaignID = domain.CampaignID(strings.TrimPrefix(s, domain.CampaignStreamPrefix))
	case strings.HasPrefix(s, domain.DeviceStreamPrefix):
		// Account ids have no dashes, so the first dash ends the account.
		account, device, ok := strings.Cut(strings.TrimPrefix(s, domain.DeviceStreamPrefix), "-")
		if !ok || account == "" || device == "" {
			return envelope{}, fmt.Errorf("event %s at position %s: malformed device stream name %q", rec.Type, rec.Position, s)
		}
		env.accountID, env.deviceID = domain.AccountID(account), domain.DeviceID(device)
	case strings.HasPrefix(s, domain.ManifestStreamPrefix):
		env.manifestID = domain.ManifestID(strings.TrimPrefix(s, domain.ManifestStreamPrefix))
	case strings.HasPrefix(s, domain.FirmwareImageStreamPrefix):
		env.firmwareImageID = domain.FirmwareImageID(strings.TrimPrefix(s, domain.FirmwareImageStreamPrefix))
	case strings.HasPrefix(s, domain.UploadJobStreamPrefix):
		env.uploadJobID = domain.UploadJobID(strings.TrimPrefix(s, domain.UploadJobStreamPrefix))
	case strings.HasPrefix(s, domain.WebhookStreamPrefix):
		env.webhookID = domain.WebhookID(strings.TrimPrefix(s, domain.WebhookStreamPrefix))
	case strings.HasPrefix(s, domain.UpdateStreamPrefix):
		env.updateID = domain.UpdateID(strings.TrimPrefix(s, domain.UpdateStreamPrefix))
	case strings.HasPrefix(s, domain.AccountStreamPrefix):
		env.accountID = domain.AccountID(strings.TrimPrefix(s, domain.AccountStreamPrefix))
	default:
		return envelope{}, fmt.Errorf("event %s at position %s: stream %q belongs to no known aggregate", rec.Type, rec.Position, s)
	}
	if env.campaignID == "" && env.manifestID == "" && env.accountID == "" && env.updateID == "" && env.firmwareImageID == "" &&
		env.uploadJobID == "" && env.webhookID == "" {
		return envelope{}, fmt.Errorf("event %s at position %s: stream %q names no aggregate id", rec.Type, rec.Position, rec.Stream)
	}
	return env, nil
}

// at returns the event's own time, or the time the store recorded it when
// the event carries none. Never the clock: a rebuild must write the same
// timestamps as the live run.
func (env envelope) at(eventAt time.Time) time.Time {
	if eventAt.IsZero() {
		return env.recorded
	}
	return eventAt
}

// etag is the stream revision of the event as text: a row's etag changes
// with every event that changes it, and equals the revision a command must
// expect to change the aggregate behind it.
func (env envelope) etag() string { return strconv.FormatUint(env.revision, 10) }
