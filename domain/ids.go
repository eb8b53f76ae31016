// Package domain holds the aggregates of the Update Service: Campaign, Device,
// Manifest and Account. It is pure: no I/O, no clock, no randomness. Times and
// new ids are arguments, so every decision can be replayed from events.
package domain

import (
	"fmt"
	"strings"
)

// AccountID identifies a tenant. Every command, event, stream and read-model
// row belongs to exactly one account.
type AccountID string

// CampaignID identifies an update campaign (Pelion's 32-hex-digit ids).
type CampaignID string

// DeviceID identifies a device within an account (Pelion's endpoint name).
type DeviceID string

// ManifestID identifies a firmware manifest.
type ManifestID string

// UpdateID identifies a Campaigner update.
type UpdateID string

// FirmwareImageID identifies a firmware image.
type FirmwareImageID string

// UploadJobID identifies a chunked upload of a firmware image.
type UploadJobID string

// WebhookID identifies an outgoing webhook of an account.
type WebhookID string

// Stream name prefixes. They are part of the stored data: renaming one is a
// migration, not a refactor.
const (
	CampaignStreamPrefix = "campaign-"
	DeviceStreamPrefix   = "device-"
	ManifestStreamPrefix = "manifest-"
	AccountStreamPrefix  = "account-"
	UpdateStreamPrefix   = "update-"
	// FirmwareImageStreamPrefix starts with none of the others, so a
	// stream's kind is read from its name alone.
	FirmwareImageStreamPrefix = "firmware-image-"
	UploadJobStreamPrefix     = "upload-job-"
	WebhookStreamPrefix       = "webhook-"
)

// CampaignStream names the stream that records a campaign's lifecycle and
// batch summaries (never one event per device).
func CampaignStream(id CampaignID) string { return CampaignStreamPrefix + string(id) }

// DeviceStream names the stream of one device of one account: its catalog
// record and its update in every campaign.
func DeviceStream(account AccountID, id DeviceID) string {
	return DeviceStreamPrefix + string(account) + "-" + string(id)
}

// ManifestStream names the stream of a firmware manifest.
func ManifestStream(id ManifestID) string { return ManifestStreamPrefix + string(id) }

// AccountStream names the stream holding an account's limits and quota.
func AccountStream(id AccountID) string { return AccountStreamPrefix + string(id) }

// UpdateStream names the stream of a Campaigner update.
func UpdateStream(id UpdateID) string { return UpdateStreamPrefix + string(id) }

// FirmwareImageStream names the stream of a firmware image.
func FirmwareImageStream(id FirmwareImageID) string { return FirmwareImageStreamPrefix + string(id) }

// UploadJobStream names the stream of an upload job.
func UploadJobStream(id UploadJobID) string { return UploadJobStreamPrefix + string(id) }

// WebhookStream names the stream of an outgoing webhook.
func WebhookStream(id WebhookID) string { return WebhookStreamPrefix + string(id) }

// validID reports whether s can be used as an id: non-empty, at most 128
// bytes of valid UTF-8, free of control characters (the text rules) and of
// characters that would make stream names ambiguous.
func validID(s string) bool {
	if s == "" || len(s) > 128 || textProblem("id", s, 128, oneLine) != nil {
		return false
	}
	return !strings.ContainsAny(s, " \t\r\n/")
}

// Validate checks an account id.
func (id AccountID) Validate() error {
	if !validID(string(id)) || strings.Contains(string(id), "-") {
		return InvalidError{Field: "account_id", Reason: fmt.Sprintf("%q is not a valid account id (1-128 characters, no dashes or spaces)", id)}
	}
	return nil
}

// Validate checks a device id.
func (id DeviceID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "device_id", Reason: fmt.Sprintf("%q is not a valid device id", id)}
	}
	return nil
}

// Validate checks a campaign id.
func (id CampaignID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "campaign_id", Reason: fmt.Sprintf("%q is not a valid campaign id", id)}
	}
	return nil
}

// Validate checks a manifest id.
func (id ManifestID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "manifest_id", Reason: fmt.Sprintf("%q is not a valid manifest id", id)}
	}
	return nil
}

// Validate checks an update id.
func (id UpdateID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "update_id", Reason: fmt.Sprintf("%q is not a valid update id", id)}
	}
	return nil
}

// Validate checks a firmware image id.
func (id FirmwareImageID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "firmware_image_id", Reason: fmt.Sprintf("%q is not a valid firmware image id", id)}
	}
	return nil
}

// Validate checks an upload job id.
func (id UploadJobID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "upload_job_id", Reason: fmt.Sprintf("%q is not a valid upload job id", id)}
	}
	return nil
}

// Validate checks a webhook id.
func (id WebhookID) Validate() error {
	if !validID(string(id)) {
		return InvalidError{Field: "webhook_id", Reason: fmt.Sprintf("%q is not a valid webhook id", id)}
	}
	return nil
}
