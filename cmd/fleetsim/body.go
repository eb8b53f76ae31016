package main

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// notification is an item of Connect's "notifications" list: a resource
// value a device reported.
type notification struct {
	EP      string `json:"ep"`
	Path    string `json:"path"`
	CT      string `json:"ct"`
	Payload string `json:"payload"`
	MaxAge  int    `json:"max-age"`
}

// asyncResponse is an item of Connect's "async-responses" list: a device's
// answer to a request made with an async id.
type asyncResponse struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Error   string `json:"error"`
	CT      string `json:"ct"`
	Payload string `json:"payload"`
	MaxAge  int    `json:"max-age"`
}

// webhookBody is one body of Connect's notification channel, as the
// service decodes it; body writes the same JSON.
type webhookBody struct {
	Notifications  []notification  `json:"notifications,omitempty"`
	AsyncResponses []asyncResponse `json:"async-responses,omitempty"`
}

// body is a webhook body being filled: its items are appended as JSON
// text as the devices send them, so that a body of hundreds of items costs
// two growing byte slices instead of a struct and strings per item, and
// encoding it is a copy. It writes what json.Marshal(webhookBody) would.
type body struct {
	asyncs, notes []byte // items, comma-separated
	nAsync, nNote int
	deadline      int64  // when the body must go, on the shard's clock
	prefix        []byte // the device ids' prefix, quoted, without the closing quote
	encoded       []byte // the last encode, kept for retries and reuse
	scratch       [20]byte
}

// newBody makes an empty body for device ids with the given prefix.
func newBody(prefix string) *body {
	quoted, _ := json.Marshal(prefix) // a string always encodes
	return &body{prefix: quoted[:len(quoted)-1]}
}

// items is the number of items in the body.
func (b *body) items() int { return b.nAsync + b.nNote }

// reset empties the body, keeping its memory.
func (b *body) reset() {
	b.asyncs, b.notes, b.nAsync, b.nNote = b.asyncs[:0], b.notes[:0], 0, 0
}

// addAsync appends an async response.
func (b *body) addAsync(id string, status int, errText string) {
	if b.nAsync > 0 {
		b.asyncs = append(b.asyncs, ',')
	}
	b.asyncs = append(appendJSONString(append(b.asyncs, `{"id":`...), id), `,"status":`...)
	b.asyncs = append(strconv.AppendInt(b.asyncs, int64(status), 10), `,"error":`...)
	b.asyncs = append(appendJSONString(b.asyncs, errText), `,"ct":"","payload":"","max-age":0}`...)
	b.nAsync++
}

// addNote appends a notification of device i's resource path (a constant
// needing no escapes) with an integer value, base64 text as Connect sends.
func (b *body) addNote(f *fleet, i int, path string, value int) {
	if b.nNote > 0 {
		b.notes = append(b.notes, ',')
	}
	b.notes = append(f.appendNumber(append(append(b.notes, `{"ep":`...), b.prefix...), i), `","path":"`...)
	b.notes = append(append(b.notes, path...), `","ct":"text/plain","payload":"`...)
	text := strconv.AppendInt(b.scratch[:0], int64(value), 10)
	b.notes = append(base64.StdEncoding.AppendEncode(b.notes, text), `","max-age":0}`...)
	b.nNote++
}

// encode writes the body's JSON into b.encoded and returns it; lists
// without items are left out, as omitempty does.
func (b *body) encode() []byte {
	out := append(b.encoded[:0], '{')
	if b.nNote > 0 {
		out = append(append(append(out, `"notifications":[`...), b.notes...), ']')
	}
	if b.nAsync > 0 {
		if b.nNote > 0 {
			out = append(out, ',')
		}
		out = append(append(append(out, `"async-responses":[`...), b.asyncs...), ']')
	}
	b.encoded = append(out, '}')
	return b.encoded
}

// appendJSONString appends s as a JSON string. Async ids and error texts
// are plain ASCII in practice and are copied as they are; anything else
// goes through encoding/json so that its escapes are the standard ones.
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always encodes
			return append(b, quoted...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
