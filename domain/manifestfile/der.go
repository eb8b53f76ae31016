package manifestfile

import (
	encasn1 "encoding/asn1"
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// decoder keeps the first problem of a parse: the readers below do
// nothing once there is one, so a schema reads as a straight list of its
// fields and the error names the first field that was wrong.
type decoder struct {
	version string
	err     *Error
}

func (d *decoder) fail(field, reason string) {
	if d.err == nil {
		d.err = &Error{Version: d.version, Field: field, Reason: reason}
	}
}

// seq reads the fields of one SEQUENCE in order; path names it in errors.
type seq struct {
	d    *decoder
	s    cryptobyte.String
	path string
}

func (q *seq) name(field string) string {
	if q.path == "" {
		return field
	}
	return q.path + "." + field
}

func (q *seq) failf(field, format string, args ...any) {
	q.d.fail(q.name(field), fmt.Sprintf(format, args...))
}

// next checks that the next element is there and has tag; what names
// the type in the error otherwise.
func (q *seq) next(field string, tag asn1.Tag, what string) bool {
	if q.d.err != nil {
		return false
	}
	switch {
	case q.s.Empty():
		q.failf(field, "is missing: the %s ends before it", q.orFile())
	case !q.s.PeekASN1Tag(tag):
		q.failf(field, "is not %s", what)
	default:
		return true
	}
	return false
}

// read reads the next element's content, which must have tag.
func (q *seq) read(field string, tag asn1.Tag, what string, out *cryptobyte.String) bool {
	if !q.next(field, tag, what) {
		return false
	}
	if !q.s.ReadASN1(out, tag) {
		q.failf(field, "is truncated or not DER")
		return false
	}
	return true
}

func (q *seq) orFile() string {
	if q.path == "" {
		return "SignedResource"
	}
	return q.path
}

// has reports whether the next element has tag: how an OPTIONAL field
// is told present.
func (q *seq) has(tag asn1.Tag) bool { return q.d.err == nil && q.s.PeekASN1Tag(tag) }

func (q *seq) bytes(field string) Hex {
	var v cryptobyte.String
	if !q.read(field, asn1.OCTET_STRING, "an OCTET STRING", &v) {
		return nil
	}
	return append(Hex{}, v...)
}

// element reads the next element whole, tag and length included.
func (q *seq) element(field string, tag asn1.Tag) Hex {
	var v cryptobyte.String
	if q.next(field, tag, "an element of its type") && !q.s.ReadASN1Element(&v, tag) {
		q.failf(field, "is truncated or not DER")
	}
	return append(Hex{}, v...)
}

func (q *seq) text(field string) string {
	var v cryptobyte.String
	if !q.read(field, asn1.UTF8String, "a UTF8String", &v) {
		return ""
	}
	if !utf8.Valid(v) {
		q.failf(field, "is not valid UTF-8")
		return ""
	}
	return string(v)
}

func (q *seq) integer(field string) int64 {
	var n int64
	if q.next(field, asn1.INTEGER, "an INTEGER") && !q.s.ReadASN1Integer(&n) {
		q.failf(field, "is truncated or not a DER INTEGER of at most 64 bits")
	}
	return n
}

func (q *seq) enum(field string) int {
	var n int
	if q.next(field, asn1.ENUM, "an ENUMERATED") && !q.s.ReadASN1Enum(&n) {
		q.failf(field, "is truncated or not a DER ENUMERATED")
	}
	return n
}

func (q *seq) boolean(field string) bool {
	var b bool
	if q.next(field, asn1.BOOLEAN, "a BOOLEAN") && !q.s.ReadASN1Boolean(&b) {
		q.failf(field, "is truncated or not a DER BOOLEAN")
	}
	return b
}

func (q *seq) oid(field string) string {
	var id encasn1.ObjectIdentifier
	if q.next(field, asn1.OBJECT_IDENTIFIER, "an OBJECT IDENTIFIER") && !q.s.ReadASN1ObjectIdentifier(&id) {
		q.failf(field, "is truncated or not a DER OBJECT IDENTIFIER")
	}
	return id.String()
}

// sequence reads a nested SEQUENCE; its fields are read from the result.
func (q *seq) sequence(field string) *seq {
	var v cryptobyte.String
	q.read(field, asn1.SEQUENCE, "a SEQUENCE", &v)
	return &seq{d: q.d, s: v, path: q.name(field)}
}

// each reads a SEQUENCE OF SEQUENCE, calling item for each element.
func (q *seq) each(field string, item func(*seq)) {
	list := q.sequence(field)
	for i := 0; q.d.err == nil && !list.s.Empty(); i++ {
		item(list.sequence(fmt.Sprintf("[%d]", i)))
	}
}

// end checks the SEQUENCE holds nothing after the fields read: an
// element the schema does not have is a malformed file, not ignored.
func (q *seq) end() {
	if q.d.err == nil && !q.s.Empty() {
		q.d.fail(q.orFile(), fmt.Sprintf("has %d bytes after its last field", len(q.s)))
	}
}

// Hex is bytes that JSON shows as hexadecimal, as Pelion shows digests.
type Hex []byte

// MarshalJSON writes the bytes as a hex string.
func (h Hex) MarshalJSON() ([]byte, error) { return []byte(`"` + hex.EncodeToString(h) + `"`), nil }
