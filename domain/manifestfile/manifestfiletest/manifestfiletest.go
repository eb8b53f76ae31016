// Package manifestfiletest writes manifest files for tests and examples:
// Go structs mirroring the v1 (manifest-1.0.0) and v3 (manifest_v3.asn)
// schemas of ARM's manifest-tool, DER-encoded by encoding/asn1 — a
// second implementation, independent of the parser it checks. A test
// changes the structs to make the malformed variants it needs. The
// signatures are placeholders: the service does not verify them.
package manifestfiletest

import (
	"encoding/asn1"

	"github.com/google/uuid"
)

// Update is what a manifest describes, in either schema.
type Update struct {
	Vendor, Class   uuid.UUID
	Timestamp       int64 // v1's; seconds since 1970
	PayloadURL      string
	PayloadDigest   []byte
	PayloadSize     int64
	Delta           bool
	PrecursorDigest []byte // a delta's; ignored otherwise
	Priority        int64
	Component       string // v3's
	Version         string // v3's payload version
}

// IDs returns the vendor and class ids manifest-tool derives from a
// vendor's domain and a device model's name: UUIDv5 of the domain in the
// DNS namespace, and of the model name in the vendor's.
func IDs(vendorDomain, modelName string) (vendor, class uuid.UUID) {
	vendor = uuid.NewSHA1(uuid.NameSpaceDNS, []byte(vendorDomain))
	return vendor, uuid.NewSHA1(vendor, []byte(modelName))
}

// Example is a full update of a device class, with every field set.
func Example() Update {
	vendor, class := IDs("acme.example", "sensor-v2")
	return Update{Vendor: vendor, Class: class, Timestamp: 1740816000, PayloadURL: "https://fw.example/sensor-2.0.bin",
		PayloadDigest: digest(0xab), PayloadSize: 524288, Priority: 2, Component: "MAIN", Version: "2.0.1"}
}

// ExampleDelta is Example as a delta from the firmware of digest 0xcd….
func ExampleDelta() Update {
	u := Example()
	u.Delta, u.PrecursorDigest, u.PayloadURL, u.PayloadSize = true, digest(0xcd), "https://fw.example/sensor-1-to-2.patch", 4096
	return u
}

// digest is a SHA-256-sized digest of one repeated byte.
func digest(b byte) []byte {
	d := make([]byte, 32)
	for i := range d {
		d[i] = b
	}
	return d
}

// signature is a placeholder raw ECDSA P-256 signature (r||s).
func signature() []byte { return make([]byte, 64) }

// enum is a CHOICE's ENUMERATED alternative, as a raw value.
func enum(n int) asn1.RawValue {
	b, err := asn1.Marshal(asn1.Enumerated(n))
	if err != nil {
		panic(err) // an ENUMERATED always encodes
	}
	return asn1.RawValue{FullBytes: b}
}
