package domain

import "time"

// ID returns the manifest's id.
func (m *Manifest) ID() ManifestID { return m.id }

// AccountID returns the account the manifest belongs to.
func (m *Manifest) AccountID() AccountID { return m.account }

// Spec returns everything the manifest's upload told, defaults applied.
func (m *Manifest) Spec() ManifestSpec { return m.spec }

// Name returns the manifest's name.
func (m *Manifest) Name() string { return m.spec.Name }

// Description returns the manifest's description.
func (m *Manifest) Description() string { return m.spec.Description }

// DeviceClass returns the class of the devices the firmware is for.
func (m *Manifest) DeviceClass() string { return m.spec.DeviceClass }

// Vendor returns the vendor of the devices the firmware is for.
func (m *Manifest) Vendor() string { return m.spec.Vendor }

// Timestamp returns the manifest's own timestamp, which campaigns copy.
func (m *Manifest) Timestamp() time.Time { return m.spec.Timestamp }

// SchemaVersion returns the manifest's schema version.
func (m *Manifest) SchemaVersion() string { return m.spec.SchemaVersion }

// PayloadType returns whether the payload is a full image or a delta.
func (m *Manifest) PayloadType() PayloadType { return m.spec.PayloadType }

// PayloadURL returns where devices download the payload.
func (m *Manifest) PayloadURL() string { return m.spec.PayloadURL }

// PayloadDigest returns the payload's digest.
func (m *Manifest) PayloadDigest() string { return m.spec.PayloadDigest }

// PayloadSize returns the payload's size in bytes.
func (m *Manifest) PayloadSize() int64 { return m.spec.PayloadSize }

// DatafileURL returns where the manifest file itself is stored.
func (m *Manifest) DatafileURL() string { return m.spec.DatafileURL }

// DatafileSize returns the manifest file's size in bytes.
func (m *Manifest) DatafileSize() int64 { return m.spec.DatafileSize }

// KeyTableURL returns where the manifest's key table is stored, if it has
// one.
func (m *Manifest) KeyTableURL() string { return m.spec.KeyTableURL }

// CreatedAt returns when the manifest was registered.
func (m *Manifest) CreatedAt() time.Time { return m.createdAt }

// Deleted reports whether the manifest was deleted.
func (m *Manifest) Deleted() bool { return m.deleted }

// DeletedAt returns when the manifest was deleted, or the zero time.
func (m *Manifest) DeletedAt() time.Time { return m.deletedAt }
