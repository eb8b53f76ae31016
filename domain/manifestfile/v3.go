package manifestfile

import "golang.org/x/crypto/cryptobyte/asn1"

// The v3 schema's types, named and tagged as manifest_v3.asn names them;
// they are the JSON of a v3 file's parsed_raw_manifest.
type (
	v3SignedResource struct {
		ManifestVersion string     `json:"manifest-version"`
		Manifest        v3Manifest `json:"manifest"`
		Signature       Hex        `json:"signature"`
	}
	v3Manifest struct {
		VendorID           Hex                `json:"vendor-id"`
		ClassID            Hex                `json:"class-id"`
		UpdatePriority     int64              `json:"update-priority"`
		ComponentName      string             `json:"component-name"`
		PayloadVersion     string             `json:"payload-version"`
		PayloadDigest      Hex                `json:"payload-digest"`
		PayloadSize        int64              `json:"payload-size"`
		PayloadURI         string             `json:"payload-uri"`
		PayloadFormat      string             `json:"payload-format"`
		InstalledSignature Hex                `json:"installed-signature"`
		PayloadMetadata    *v3PayloadMetadata `json:"payload-metadata,omitempty"`
		VendorData         Hex                `json:"vendor-data,omitempty"`
	}
	v3PayloadMetadata struct {
		InstalledSize   int64 `json:"installed-size"`
		InstalledDigest Hex   `json:"installed-digest"`
		PrecursorDigest Hex   `json:"precursor-digest,omitempty"`
	}
)

// v3PayloadFormats names the v3 payload formats by value.
var v3PayloadFormats = map[int]string{1: "raw-binary", 5: "arm-patch-stream", 6: "combined",
	257: "encrypted-raw", 263: "encrypted-combined"}

// v3PatchFormat is the v3 format of a delta payload.
const v3PatchFormat = "arm-patch-stream"

// v3 reads a v3 SignedResource's fields, checking it is version v3(3).
func (d *decoder) v3(q *seq) Manifest {
	var raw v3SignedResource
	if v := q.enum("manifest-version"); d.err == nil && v != 3 {
		q.failf("manifest-version", "is %d: this service reads schema versions 1 and 3", v)
	}
	raw.ManifestVersion = "v3"
	raw.Manifest = q.sequence("manifest").v3Manifest()
	raw.Signature = q.bytes("signature")
	q.end()
	if d.err != nil {
		return Manifest{}
	}
	return q.sub("manifest").v3Fields(raw)
}

// v3Manifest reads a v3 Manifest.
func (q *seq) v3Manifest() v3Manifest {
	var m v3Manifest
	m.VendorID, m.ClassID = q.bytes("vendor-id"), q.bytes("class-id")
	m.UpdatePriority = q.integer("update-priority")
	m.ComponentName, m.PayloadVersion = q.text("component-name"), q.text("payload-version")
	m.PayloadDigest, m.PayloadSize = q.bytes("payload-digest"), q.integer("payload-size")
	m.PayloadURI = q.text("payload-uri")
	if v := q.enum("payload-format"); q.d.err == nil {
		if m.PayloadFormat = v3PayloadFormats[v]; m.PayloadFormat == "" {
			q.failf("payload-format", "is %d, which the schema does not list", v)
		}
	}
	m.InstalledSignature = q.bytes("installed-signature")
	if q.has(asn1.SEQUENCE) {
		p := q.sequence("payload-metadata")
		meta := v3PayloadMetadata{InstalledSize: p.integer("installed-size"), InstalledDigest: p.bytes("installed-digest")}
		if p.has(asn1.OCTET_STRING) {
			meta.PrecursorDigest = p.bytes("precursor-digest")
		}
		p.end()
		m.PayloadMetadata = &meta
	}
	if q.has(asn1.OCTET_STRING) {
		m.VendorData = q.bytes("vendor-data")
	}
	q.end()
	return m
}

// v3Fields takes the update's fields from a v3 file read whole.
func (q *seq) v3Fields(raw v3SignedResource) Manifest {
	m := raw.Manifest
	if m.PayloadURI == "" {
		q.failf("payload-uri", "is empty: devices would have nowhere to fetch the payload")
	}
	if m.PayloadSize < 0 {
		q.failf("payload-size", "is negative")
	}
	out := Manifest{VendorID: q.uuid("vendor-id", m.VendorID), ClassID: q.uuid("class-id", m.ClassID),
		PayloadURL: m.PayloadURI, PayloadDigest: m.PayloadDigest, PayloadSize: m.PayloadSize,
		PayloadFormat: m.PayloadFormat, Delta: m.PayloadFormat == v3PatchFormat, Priority: m.UpdatePriority,
		ComponentName: m.ComponentName, PayloadVersion: m.PayloadVersion, Raw: raw}
	if m.PayloadMetadata != nil {
		out.PrecursorDigest = m.PayloadMetadata.PrecursorDigest
	}
	if q.d.err != nil {
		return Manifest{}
	}
	return out
}
