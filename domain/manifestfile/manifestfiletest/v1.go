package manifestfiletest

import "encoding/asn1"

// V1SignedResource mirrors manifest-1.0.0's SignedResource. Optional
// fields are left out when zero.
type V1SignedResource struct {
	Resource  V1Resource
	Signature V1ResourceSignature
}

// V1Resource mirrors Resource, holding the manifest alternative.
type V1Resource struct {
	URI          string `asn1:"utf8,optional"`
	ResourceType asn1.Enumerated
	Manifest     V1Manifest
}

// V1Manifest mirrors Manifest. EncryptionMode is a CHOICE of an
// ENUMERATED and an OBJECT IDENTIFIER.
type V1Manifest struct {
	ManifestVersion  asn1.Enumerated
	Description      string `asn1:"utf8,optional"`
	Timestamp        int64
	VendorID         []byte
	ClassID          []byte
	DeviceID         []byte
	Nonce            []byte
	VendorInfo       []byte
	PrecursorDigest  []byte        `asn1:"optional"`
	ApplyPeriod      V1ApplyPeriod `asn1:"optional"`
	ApplyImmediately bool
	Priority         int64 `asn1:"optional"`
	EncryptionMode   asn1.RawValue
	Aliases          []V1CertificateReference
	Dependencies     []V1ResourceReference
	Payload          V1PayloadDescription `asn1:"optional"`
}

// V1ApplyPeriod mirrors Manifest's applyPeriod.
type V1ApplyPeriod struct {
	ValidFrom, ValidTo int64
}

// V1PayloadDescription mirrors PayloadDescription. Format is a CHOICE of
// an ENUMERATED and an OBJECT IDENTIFIER.
type V1PayloadDescription struct {
	Format            asn1.RawValue
	EncryptionInfo    asn1.RawValue `asn1:"optional"`
	StorageIdentifier string        `asn1:"utf8"`
	Reference         V1ResourceReference
	InstalledSize     int64  `asn1:"optional"`
	InstalledDigest   []byte `asn1:"optional"`
	Version           string `asn1:"utf8,optional"`
}

// V1ResourceReference mirrors ResourceReference.
type V1ResourceReference struct {
	Hash []byte
	URI  string `asn1:"utf8,optional"`
	Size int64
}

// V1CertificateReference mirrors CertificateReference (and ResourceAlias,
// which has the same shape).
type V1CertificateReference struct {
	Fingerprint []byte
	URI         string `asn1:"utf8"`
}

// V1ResourceSignature mirrors ResourceSignature, without MAC blocks.
type V1ResourceSignature struct {
	Hash       []byte
	Signatures []V1SignatureBlock
}

// V1SignatureBlock mirrors SignatureBlock.
type V1SignatureBlock struct {
	Signature    []byte
	Certificates []V1CertificateReference
}

// The v1 payload formats manifest-tool writes.
const (
	V1RawBinary    = 1
	V1BsdiffStream = 5
)

// V1 is u as manifest-tool writes a v1 manifest: a device id left empty,
// encryption mode none-ecc-secp256r1-sha256, one signature.
func V1(u Update) V1SignedResource {
	format := V1RawBinary
	m := V1Manifest{ManifestVersion: 1, Timestamp: u.Timestamp, VendorID: u.Vendor[:], ClassID: u.Class[:],
		DeviceID: []byte{}, Nonce: []byte{}, VendorInfo: []byte{}, ApplyImmediately: true, Priority: u.Priority,
		EncryptionMode: enum(2)}
	if u.Delta {
		format, m.PrecursorDigest = V1BsdiffStream, u.PrecursorDigest
	}
	m.Payload = V1PayloadDescription{Format: enum(format), StorageIdentifier: "default",
		Reference: V1ResourceReference{Hash: u.PayloadDigest, URI: u.PayloadURL, Size: u.PayloadSize}}
	return V1SignedResource{
		Resource: V1Resource{ResourceType: 0, Manifest: m},
		Signature: V1ResourceSignature{Hash: digest(0x5a), Signatures: []V1SignatureBlock{
			{Signature: signature(), Certificates: []V1CertificateReference{{Fingerprint: digest(0xf1), URI: ""}}}}},
	}
}

// DER encodes the signed resource.
func (r V1SignedResource) DER() ([]byte, error) { return asn1.Marshal(r) }
