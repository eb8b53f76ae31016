// Package manifestfile reads firmware manifest files: the ASN.1 DER
// documents ARM's manifest-tool writes, in its two schema versions (v1,
// manifesttool/mtool/asn1/v1/manifest-1.0.0, and v3, asn1/v3/manifest_v3.asn).
// It checks no signature: the device does; the service only needs the
// fields that describe the update. It imports nothing of the service, so
// the domain decides what a manifest's fields mean.
package manifestfile

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// MaxSize is the largest manifest file read, in bytes: Pelion's API takes
// manifests of at most 2 KB, and a device's manifest resource is no larger.
const MaxSize = 2048

// Manifest is what a manifest file tells about the update it describes,
// whichever its schema version.
type Manifest struct {
	// SchemaVersion is "1" or "3".
	SchemaVersion string
	// VendorID and ClassID are the device vendor and class, as dashed
	// UUIDs.
	VendorID, ClassID string
	// Timestamp is the v1 manifest's timestamp (its payload version), in
	// seconds since 1970; v3 has none and leaves it 0.
	Timestamp int64
	// PayloadURL, PayloadDigest and PayloadSize are where devices fetch
	// the payload, its SHA-256 and its size in bytes.
	PayloadURL    string
	PayloadDigest []byte
	PayloadSize   int64
	// PayloadFormat is the format's name in the schema, such as
	// raw-binary or arm-patch-stream; Delta says it is a patch applied to
	// the firmware a device runs (PrecursorDigest).
	PayloadFormat   string
	Delta           bool
	PrecursorDigest []byte
	// Priority is the update priority passed to the device's application.
	Priority int64
	// ComponentName and PayloadVersion (semantic) are v3's; empty in v1.
	ComponentName, PayloadVersion string
	// Raw is the whole file as its schema names it, for JSON (bytes as
	// hex): Pelion's parsed_raw_manifest, for debugging.
	Raw any
}

// Error says why a file is not a manifest this package reads: the schema
// version (when the file got that far), the field by its schema path, and
// the reason.
type Error struct {
	Version string
	Field   string
	Reason  string
}

// Error says where in which schema the file is malformed, and why.
func (e *Error) Error() string {
	where := "manifest"
	if e.Version != "" {
		where += " v" + e.Version
	}
	if e.Field != "" {
		where += ": " + e.Field
	}
	return where + ": " + e.Reason
}

// Parse reads a manifest file of either schema version. The file must be
// one DER SignedResource and nothing else, of at most MaxSize bytes; any
// other input answers an *Error, never a panic.
func Parse(file []byte) (Manifest, error) {
	if len(file) > MaxSize {
		return Manifest{}, &Error{Field: "(file)", Reason: fmt.Sprintf("%d bytes is larger than the %d a manifest may have", len(file), MaxSize)}
	}
	if len(file) == 0 {
		return Manifest{}, &Error{Field: "(file)", Reason: "is empty"}
	}
	in := cryptobyte.String(file)
	var outer cryptobyte.String
	if !in.ReadASN1(&outer, asn1.SEQUENCE) {
		return Manifest{}, &Error{Field: "SignedResource", Reason: "is not a DER SEQUENCE (truncated, or not a manifest file)"}
	}
	// A v3 SignedResource opens with its ENUMERATED version; a v1 one
	// with its Resource, a SEQUENCE.
	version := "1"
	if outer.PeekASN1Tag(asn1.ENUM) {
		version = "3"
	}
	d := &decoder{version: version}
	var m Manifest
	if version == "3" {
		m = d.v3(&seq{d: d, s: outer})
	} else {
		m = d.v1(&seq{d: d, s: outer})
	}
	if d.err == nil && !in.Empty() {
		d.fail("(file)", fmt.Sprintf("%d bytes follow the SignedResource", len(in)))
	}
	if d.err != nil {
		return Manifest{}, d.err
	}
	m.SchemaVersion = version
	return m, nil
}

// uuid formats a 16-byte UUID field, dashed; any other length is an
// error naming the field.
func (q *seq) uuid(name string, b []byte) string {
	if q.d.err != nil {
		return ""
	}
	if len(b) != 16 {
		q.failf(name, "is %d bytes, a UUID has 16", len(b))
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
