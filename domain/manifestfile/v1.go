package manifestfile

import "golang.org/x/crypto/cryptobyte/asn1"

// The v1 schema's types, named and tagged as manifest-1.0.0 names them;
// they are the JSON of a v1 file's parsed_raw_manifest.
type (
	v1SignedResource struct {
		Resource  v1Resource          `json:"resource"`
		Signature v1ResourceSignature `json:"signature"`
	}
	v1Resource struct {
		URI          string     `json:"uri,omitempty"`
		ResourceType string     `json:"resourceType"`
		Manifest     v1Manifest `json:"manifest"`
	}
	v1Manifest struct {
		ManifestVersion  string                `json:"manifestVersion"`
		Description      string                `json:"description,omitempty"`
		Timestamp        int64                 `json:"timestamp"`
		VendorID         Hex                   `json:"vendorId"`
		ClassID          Hex                   `json:"classId"`
		DeviceID         Hex                   `json:"deviceId"`
		Nonce            Hex                   `json:"nonce"`
		VendorInfo       Hex                   `json:"vendorInfo"`
		PrecursorDigest  Hex                   `json:"precursorDigest,omitempty"`
		ApplyPeriod      *v1ApplyPeriod        `json:"applyPeriod,omitempty"`
		ApplyImmediately bool                  `json:"applyImmediately"`
		Priority         *int64                `json:"priority,omitempty"`
		EncryptionMode   string                `json:"encryptionMode"`
		Aliases          []v1Reference         `json:"aliases"`
		Dependencies     []v1Reference         `json:"dependencies"`
		Payload          *v1PayloadDescription `json:"payload,omitempty"`
	}
	v1ApplyPeriod struct {
		ValidFrom int64 `json:"validFrom"`
		ValidTo   int64 `json:"validTo"`
	}
	// v1Reference is a ResourceReference, or a ResourceAlias (no size).
	v1Reference struct {
		Hash Hex    `json:"hash"`
		URI  string `json:"uri,omitempty"`
		Size *int64 `json:"size,omitempty"`
	}
	v1PayloadDescription struct {
		Format            string      `json:"format"`
		EncryptionInfo    Hex         `json:"encryptionInfo,omitempty"`
		StorageIdentifier string      `json:"storageIdentifier"`
		Reference         v1Reference `json:"reference"`
		InstalledSize     *int64      `json:"installedSize,omitempty"`
		InstalledDigest   Hex         `json:"installedDigest,omitempty"`
		Version           string      `json:"version,omitempty"`
	}
	v1ResourceSignature struct {
		Hash       Hex                `json:"hash"`
		Signatures []v1SignatureBlock `json:"signatures"`
		MACs       int                `json:"macs,omitempty"`
	}
	v1SignatureBlock struct {
		Signature    Hex             `json:"signature"`
		Certificates []v1Certificate `json:"certificates"`
	}
	v1Certificate struct {
		Fingerprint Hex    `json:"fingerprint"`
		URI         string `json:"uri"`
	}
)

// The v1 enumerations' names, by value.
var (
	v1ResourceTypes   = []string{"manifest", "payload"}
	v1PayloadFormats  = []string{"undefined", "raw-binary", "cbor", "hex-location-length-data", "elf", "bsdiff-stream"}
	v1EncryptionModes = []string{"invalid", "aes-128-ctr-ecc-secp256r1-sha256", "none-ecc-secp256r1-sha256",
		"none-none-sha256", "none-psk-aes-128-ccm-sha256", "aes-128-ccm-psk-sha256"}
)

// v1PatchFormat is the v1 format of a delta payload (manifest-tool writes
// arm-patch-stream as it).
const v1PatchFormat = "bsdiff-stream"

// v1 reads a v1 SignedResource's fields.
func (d *decoder) v1(q *seq) Manifest {
	var raw v1SignedResource
	r := q.sequence("resource")
	if r.has(asn1.UTF8String) {
		raw.Resource.URI = r.text("uri")
	}
	raw.Resource.ResourceType = r.named("resourceType", v1ResourceTypes)
	if d.err == nil && raw.Resource.ResourceType != "manifest" {
		r.failf("resourceType", "is %s: the file holds no manifest", raw.Resource.ResourceType)
	}
	m := r.sequence("manifest")
	raw.Resource.Manifest = m.v1Manifest()
	r.end()
	raw.Signature = q.sequence("signature").v1Signature()
	q.end()
	if d.err != nil {
		return Manifest{}
	}
	return m.v1Fields(raw)
}

// v1Manifest reads a v1 Manifest, checking it is version v1(1).
func (q *seq) v1Manifest() v1Manifest {
	var m v1Manifest
	if v := q.enum("manifestVersion"); q.d.err == nil && v != 1 {
		q.failf("manifestVersion", "is %d: a v1 manifest has version 1", v)
	}
	m.ManifestVersion = "v1"
	if q.has(asn1.UTF8String) {
		m.Description = q.text("description")
	}
	m.Timestamp = q.integer("timestamp")
	m.VendorID, m.ClassID, m.DeviceID = q.bytes("vendorId"), q.bytes("classId"), q.bytes("deviceId")
	m.Nonce, m.VendorInfo = q.bytes("nonce"), q.bytes("vendorInfo")
	if q.has(asn1.OCTET_STRING) {
		m.PrecursorDigest = q.bytes("precursorDigest")
	}
	if q.has(asn1.SEQUENCE) {
		p := q.sequence("applyPeriod")
		m.ApplyPeriod = &v1ApplyPeriod{ValidFrom: p.integer("validFrom"), ValidTo: p.integer("validTo")}
		p.end()
	}
	m.ApplyImmediately = q.boolean("applyImmediately")
	if q.has(asn1.INTEGER) {
		p := q.integer("priority")
		m.Priority = &p
	}
	m.EncryptionMode = q.enumOrOID("encryptionMode", v1EncryptionModes)
	q.each("aliases", func(a *seq) { m.Aliases = append(m.Aliases, a.v1Reference(false)) })
	q.each("dependencies", func(a *seq) { m.Dependencies = append(m.Dependencies, a.v1Reference(true)) })
	if q.has(asn1.SEQUENCE) {
		p := q.sequence("payload").v1Payload()
		m.Payload = &p
	}
	q.end()
	return m
}

// v1Payload reads a PayloadDescription.
func (q *seq) v1Payload() v1PayloadDescription {
	var p v1PayloadDescription
	p.Format = q.enumOrOID("format", v1PayloadFormats)
	if q.d.err == nil && p.Format == "undefined" {
		q.failf("format", "is undefined")
	}
	if q.has(asn1.SEQUENCE) {
		// Kept whole: the service never decrypts a payload.
		p.EncryptionInfo = q.element("encryptionInfo", asn1.SEQUENCE)
	}
	p.StorageIdentifier = q.text("storageIdentifier")
	p.Reference = q.sequence("reference").v1Reference(true)
	if q.has(asn1.INTEGER) {
		n := q.integer("installedSize")
		p.InstalledSize = &n
	}
	if q.has(asn1.OCTET_STRING) {
		p.InstalledDigest = q.bytes("installedDigest")
	}
	if q.has(asn1.UTF8String) {
		p.Version = q.text("version")
	}
	q.end()
	return p
}

// v1Reference reads a ResourceReference (sized) or a ResourceAlias.
func (q *seq) v1Reference(sized bool) v1Reference {
	r := v1Reference{Hash: q.bytes("hash")}
	if !sized || q.has(asn1.UTF8String) {
		r.URI = q.text("uri")
	}
	if sized {
		n := q.integer("size")
		r.Size = &n
	}
	q.end()
	return r
}

// v1Signature reads a ResourceSignature; the MAC blocks are counted, not
// read: they concern devices with pre-shared keys.
func (q *seq) v1Signature() v1ResourceSignature {
	s := v1ResourceSignature{Hash: q.bytes("hash")}
	q.each("signatures", func(b *seq) {
		block := v1SignatureBlock{Signature: b.bytes("signature")}
		b.each("certificates", func(c *seq) {
			block.Certificates = append(block.Certificates, v1Certificate{Fingerprint: c.bytes("fingerprint"), URI: c.text("uri")})
			c.end()
		})
		b.end()
		s.Signatures = append(s.Signatures, block)
	})
	if q.has(asn1.SEQUENCE) {
		q.each("macs", func(m *seq) { s.MACs++ })
	}
	q.end()
	return s
}

// v1Fields takes the update's fields from a v1 file read whole.
func (q *seq) v1Fields(raw v1SignedResource) Manifest {
	m := raw.Resource.Manifest
	if m.Payload == nil {
		q.failf("payload", "is missing: the manifest names no payload")
		return Manifest{}
	}
	p := q.sub("payload")
	if m.Payload.Reference.URI == "" {
		p.failf("reference.uri", "is missing: devices would have nowhere to fetch the payload")
	}
	if *m.Payload.Reference.Size < 0 {
		p.failf("reference.size", "is negative")
	}
	out := Manifest{VendorID: q.uuid("vendorId", m.VendorID), ClassID: q.uuid("classId", m.ClassID),
		Timestamp: m.Timestamp, PayloadURL: m.Payload.Reference.URI, PayloadDigest: m.Payload.Reference.Hash,
		PayloadSize: *m.Payload.Reference.Size, PayloadFormat: m.Payload.Format, Delta: m.Payload.Format == v1PatchFormat,
		PrecursorDigest: m.PrecursorDigest, Raw: raw}
	if len(m.DeviceID) > 0 {
		q.uuid("deviceId", m.DeviceID)
	}
	if m.Priority != nil {
		out.Priority = *m.Priority
	}
	if q.d.err != nil {
		return Manifest{}
	}
	return out
}

// sub is a reader of field's path, for errors found after reading.
func (q *seq) sub(field string) *seq { return &seq{d: q.d, path: q.name(field)} }

// named reads an ENUMERATED and names its value; a value the schema does
// not list is an error.
func (q *seq) named(field string, names []string) string {
	v := q.enum(field)
	if q.d.err != nil {
		return ""
	}
	if v < 0 || v >= len(names) {
		q.failf(field, "is %d, which the schema does not list", v)
		return ""
	}
	return names[v]
}

// enumOrOID reads a CHOICE of an ENUMERATED and an OBJECT IDENTIFIER, as
// the enumeration's name or the identifier's dotted form.
func (q *seq) enumOrOID(field string, names []string) string {
	if q.has(asn1.OBJECT_IDENTIFIER) {
		return q.oid(field)
	}
	return q.named(field, names)
}
