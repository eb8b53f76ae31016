package commands

import (
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// The checks below answer for objects a command addresses. Another
// account's object is reported exactly like a missing one, so callers never
// learn that it exists.

// ownDevice answers not found for a device that never registered or
// belongs to another account.
func ownDevice(d *domain.Device, meta Meta, id domain.DeviceID) error {
	if d.ID() == "" || d.AccountID() != meta.Account {
		return domain.NotFoundError{Object: "device", ID: string(id)}
	}
	return nil
}

// ownManifest answers not found for a manifest that does not exist, was
// deleted or belongs to another account.
func ownManifest(m *domain.Manifest, meta Meta, id domain.ManifestID) error {
	if m.ID() == "" || m.Deleted() || m.AccountID() != meta.Account {
		return domain.NotFoundError{Object: "manifest", ID: string(id)}
	}
	return nil
}

// ownFirmwareImage answers not found for an image that does not exist, was
// deleted or belongs to another account.
func ownFirmwareImage(img *domain.FirmwareImage, meta Meta, id domain.FirmwareImageID) error {
	if img.ID() == "" || img.Deleted() || img.AccountID() != meta.Account {
		return domain.NotFoundError{Object: "firmware image", ID: string(id)}
	}
	return nil
}

// usableManifest refuses a campaign's root manifest that ownManifest would
// not find. The campaign is what the request addresses, so the missing
// manifest is an invalid field of it (400), not a missing object (404).
func usableManifest(m *domain.Manifest, meta Meta, id domain.ManifestID) error {
	if err := ownManifest(m, meta, id); err != nil {
		return domain.InvalidError{Field: "root_manifest_id", Reason: fmt.Sprintf("manifest %q not found", id)}
	}
	return nil
}
