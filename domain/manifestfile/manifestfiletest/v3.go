package manifestfiletest

import "encoding/asn1"

// V3SignedResource mirrors manifest_v3.asn's SignedResource.
type V3SignedResource struct {
	ManifestVersion asn1.Enumerated
	Manifest        V3Manifest
	Signature       []byte
}

// V3Manifest mirrors Manifest. Optional fields are left out when zero.
type V3Manifest struct {
	VendorID           []byte
	ClassID            []byte
	UpdatePriority     int64
	ComponentName      string `asn1:"utf8"`
	PayloadVersion     string `asn1:"utf8"`
	PayloadDigest      []byte
	PayloadSize        int64
	PayloadURI         string `asn1:"utf8"`
	PayloadFormat      asn1.Enumerated
	InstalledSignature []byte
	PayloadMetadata    V3PayloadMetadata `asn1:"optional"`
	VendorData         []byte            `asn1:"optional"`
}

// V3PayloadMetadata mirrors PayloadMetadata.
type V3PayloadMetadata struct {
	InstalledSize   int64
	InstalledDigest []byte
	PrecursorDigest []byte `asn1:"optional"`
}

// The v3 payload formats.
const (
	V3RawBinary      = 1
	V3ArmPatchStream = 5
	V3Combined       = 6
	V3EncryptedRaw   = 257
)

// V3 is u as manifest-tool writes a v3 manifest; a delta carries the
// installed image's size and digest and the precursor's digest.
func V3(u Update) V3SignedResource {
	m := V3Manifest{VendorID: u.Vendor[:], ClassID: u.Class[:], UpdatePriority: u.Priority, ComponentName: u.Component,
		PayloadVersion: u.Version, PayloadDigest: u.PayloadDigest, PayloadSize: u.PayloadSize, PayloadURI: u.PayloadURL,
		PayloadFormat: V3RawBinary, InstalledSignature: signature()}
	if u.Delta {
		m.PayloadFormat = V3ArmPatchStream
		m.PayloadMetadata = V3PayloadMetadata{InstalledSize: 524288, InstalledDigest: digest(0xee), PrecursorDigest: u.PrecursorDigest}
	}
	return V3SignedResource{ManifestVersion: 3, Manifest: m, Signature: signature()}
}

// DER encodes the signed resource.
func (r V3SignedResource) DER() ([]byte, error) { return asn1.Marshal(r) }
