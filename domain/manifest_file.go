package domain

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain/manifestfile"
)

// MaxManifestFileSize bounds a manifest file (Manifest rule 2): 2 KB, as
// Pelion's API and a device's manifest resource.
const MaxManifestFileSize = manifestfile.MaxSize

// MaxKeyTableSize bounds a manifest's key table (Manifest rule 2): the
// table of pre-shared keys manifest-tool writes for devices without
// certificates, kept with the manifest's registration.
const MaxKeyTableSize = 64 << 10

// ManifestFileSpec reads a manifest file (DER, schema v1 or v3) into the
// spec it tells: device vendor and class, payload URL, digest (hex), size
// and type (delta for the patch formats), precursor digest, priority,
// schema version, a v1 file's timestamp (a v3 file has none: zero), a
// v3 file's component and payload version, and the whole file as JSON.
// The name, description and URLs are the upload's, not the file's. A
// malformed file answers an InvalidError of field datafile naming the
// schema version and field that are wrong.
func ManifestFileSpec(file []byte) (ManifestSpec, error) {
	m, err := manifestfile.Parse(file)
	if err != nil {
		return ManifestSpec{}, InvalidError{Field: "datafile", Reason: err.Error()}
	}
	raw, err := json.Marshal(m.Raw)
	if err != nil {
		return ManifestSpec{}, fmt.Errorf("domain.ManifestFileSpec: %w", err)
	}
	spec := ManifestSpec{DeviceClass: m.ClassID, Vendor: m.VendorID, SchemaVersion: m.SchemaVersion,
		PayloadType: PayloadFull, PayloadURL: m.PayloadURL, PayloadDigest: hex.EncodeToString(m.PayloadDigest),
		PayloadSize: m.PayloadSize, PrecursorDigest: hex.EncodeToString(m.PrecursorDigest), UpdatePriority: m.Priority,
		ComponentName: m.ComponentName, PayloadVersion: m.PayloadVersion, ParsedRaw: raw,
		File: file, DatafileSize: int64(len(file))}
	if m.Delta {
		spec.PayloadType = PayloadDelta
	}
	if m.Timestamp != 0 {
		spec.Timestamp = time.Unix(m.Timestamp, 0).UTC()
	}
	return spec, nil
}

// fileProblems checks rule 2.
func (s ManifestSpec) fileProblems() []error {
	var problems []error
	if s.File != nil {
		if _, err := manifestfile.Parse(s.File); err != nil {
			problems = append(problems, InvalidError{Field: "datafile", Reason: err.Error()})
		}
	}
	if len(s.KeyTable) > MaxKeyTableSize {
		problems = append(problems, InvalidError{Field: "key_table",
			Reason: fmt.Sprintf("%d bytes is larger than the %d a key table may have", len(s.KeyTable), MaxKeyTableSize)})
	}
	return append(problems, textProblems(textProblem("precursor_payload_digest", s.PrecursorDigest, 256, oneLine),
		textProblem("component_name", s.ComponentName, 256, oneLine), textProblem("payload_version", s.PayloadVersion, 256, oneLine))...)
}
