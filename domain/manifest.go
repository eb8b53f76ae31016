package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Manifest rules (stream manifest-<id>):
//
//  1. A manifest is registered once, with a name of 1–128 characters, a
//     description of at most 2,000, a device class, an absolute payload URL,
//     a payload digest, sizes of zero or more and payload type full
//     (default) or delta.
//  2. A manifest uploaded as a file keeps it: a manifest file of at most
//     2 KB that ManifestFileSpec reads (and takes the fields from), and an
//     optional key table of at most MaxKeyTableSize.
//  3. A manifest is deleted once. A deleted manifest answers every behaviour
//     as not found, as the API does; campaigns using it stop as
//     manifestremoved (Campaign rule 8).
type Manifest struct {
	root
	id        ManifestID
	account   AccountID
	spec      ManifestSpec
	createdAt time.Time
	deleted   bool
	deletedAt time.Time
}

// ManifestSpec is what a manifest upload tells about the firmware it
// delivers. An empty PayloadType means full.
type ManifestSpec struct {
	Name          string
	Description   string
	DeviceClass   string
	Vendor        string
	Timestamp     time.Time
	SchemaVersion string
	PayloadType   PayloadType
	PayloadURL    string
	PayloadDigest string
	PayloadSize   int64
	DatafileURL   string
	DatafileSize  int64
	KeyTableURL   string
	// PrecursorDigest is the digest of the firmware a delta applies to.
	PrecursorDigest string
	// UpdatePriority is passed to the device's application.
	UpdatePriority int64
	// ComponentName and PayloadVersion are a v3 manifest's.
	ComponentName, PayloadVersion string
	// ParsedRaw is the whole manifest file as JSON, for debugging.
	ParsedRaw json.RawMessage
	// File and KeyTable are the uploaded manifest file and key table.
	File, KeyTable []byte
}

// NewManifest registers a manifest (rule 1). The handler appends its one
// change with NoStream, so a second registration of the id fails.
func NewManifest(id ManifestID, account AccountID, spec ManifestSpec, now time.Time) (*Manifest, error) {
	const op = "manifest.Register"
	if spec.PayloadType == "" {
		spec.PayloadType = PayloadFull
	}
	if err := errors.Join(append([]error{id.Validate(), account.Validate()}, spec.problems()...)...); err != nil {
		return nil, wrap(op, err)
	}
	m := &Manifest{}
	if err := m.record(spec.registered(id, account, now)); err != nil {
		return nil, wrap(op, err)
	}
	return m, nil
}

// LoadManifest rebuilds a manifest from its stream's events. An empty
// history gives a manifest that does not exist.
func LoadManifest(history []Event) (*Manifest, error) {
	m := &Manifest{}
	if err := m.load(m.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadManifest: %w", err)
	}
	return m, nil
}

// Delete deletes the manifest (rule 3).
func (m *Manifest) Delete(now time.Time) error {
	const op = "manifest.Delete"
	if m.id == "" || m.deleted {
		return wrap(op, NotFoundError{Object: "manifest", ID: string(m.id)})
	}
	return wrap(op, m.record(ManifestDeleted{At: now}))
}

// record applies e and keeps it for appending.
func (m *Manifest) record(e Event) error { return m.recordWith(m.apply, e) }

// apply changes the manifest's state by one recorded event.
func (m *Manifest) apply(e Event) error {
	switch e := e.(type) {
	case ManifestRegistered:
		if m.id != "" {
			return fmt.Errorf("manifest: %s registered twice", m.id)
		}
		m.id, m.account, m.spec, m.createdAt = e.ManifestID, e.AccountID, specOfRegistered(e), e.At
	case ManifestDeleted:
		if m.id == "" {
			return fmt.Errorf("manifest: cannot apply %s before ManifestRegistered", e.Name())
		}
		m.deleted, m.deletedAt = true, e.At
	default:
		return unknownEvent("manifest", e)
	}
	return nil
}

// problems checks rule 1 and lists every problem, so the API can report
// them all at once.
func (s ManifestSpec) problems() []error {
	var problems []error
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, InvalidError{Field: "name", Reason: "must not be blank"})
	}
	problems = append(problems, textProblems(textProblem("name", s.Name, 128, oneLine),
		textProblem("description", s.Description, 2000, freeText), textProblem("device_class", s.DeviceClass, 128, oneLine),
		textProblem("device_vendor", s.Vendor, 128, oneLine), textProblem("manifest_schema_version", s.SchemaVersion, 64, oneLine),
		textProblem("delivered_payload_url", s.PayloadURL, 2048, oneLine), textProblem("delivered_payload_digest", s.PayloadDigest, 256, oneLine),
		textProblem("datafile", s.DatafileURL, 2048, oneLine), textProblem("key_table", s.KeyTableURL, 2048, oneLine))...)
	if strings.TrimSpace(s.DeviceClass) == "" {
		problems = append(problems, InvalidError{Field: "device_class", Reason: "must not be empty"})
	}
	if u, err := url.Parse(s.PayloadURL); err != nil || u.Scheme == "" || u.Host == "" {
		problems = append(problems, InvalidError{Field: "delivered_payload_url", Reason: fmt.Sprintf("%q is not an absolute URL", s.PayloadURL)})
	}
	if strings.TrimSpace(s.PayloadDigest) == "" {
		problems = append(problems, InvalidError{Field: "delivered_payload_digest", Reason: "must not be empty"})
	}
	if s.PayloadSize < 0 || s.DatafileSize < 0 {
		problems = append(problems, InvalidError{Field: "delivered_payload_size", Reason: "sizes must not be negative"})
	}
	if _, err := ParsePayloadType(string(s.PayloadType)); err != nil {
		problems = append(problems, err)
	}
	return append(problems, s.fileProblems()...)
}

// registered is the event recording a manifest with this spec.
func (s ManifestSpec) registered(id ManifestID, account AccountID, at time.Time) ManifestRegistered {
	return ManifestRegistered{ManifestID: id, AccountID: account, ManifestName: s.Name,
		Description: s.Description, DeviceClass: s.DeviceClass, Vendor: s.Vendor, Timestamp: s.Timestamp,
		SchemaVersion: s.SchemaVersion, PayloadType: string(s.PayloadType), PayloadURL: s.PayloadURL,
		PayloadDigest: s.PayloadDigest, PayloadSize: s.PayloadSize, DatafileURL: s.DatafileURL,
		DatafileSize: s.DatafileSize, KeyTableURL: s.KeyTableURL, PrecursorDigest: s.PrecursorDigest,
		UpdatePriority: s.UpdatePriority, ComponentName: s.ComponentName, PayloadVersion: s.PayloadVersion,
		ParsedRawManifest: s.ParsedRaw, File: s.File, KeyTable: s.KeyTable, At: at}
}

// specOfRegistered reads the spec a ManifestRegistered recorded.
func specOfRegistered(e ManifestRegistered) ManifestSpec {
	return ManifestSpec{Name: e.ManifestName, Description: e.Description, DeviceClass: e.DeviceClass,
		Vendor: e.Vendor, Timestamp: e.Timestamp, SchemaVersion: e.SchemaVersion,
		PayloadType: PayloadType(e.PayloadType), PayloadURL: e.PayloadURL, PayloadDigest: e.PayloadDigest,
		PayloadSize: e.PayloadSize, DatafileURL: e.DatafileURL, DatafileSize: e.DatafileSize,
		KeyTableURL: e.KeyTableURL, PrecursorDigest: e.PrecursorDigest, UpdatePriority: e.UpdatePriority,
		ComponentName: e.ComponentName, PayloadVersion: e.PayloadVersion, ParsedRaw: e.ParsedRawManifest,
		File: e.File, KeyTable: e.KeyTable}
}
