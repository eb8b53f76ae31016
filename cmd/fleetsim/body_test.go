package main

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestABodyIsTheJSONOfTheWebhookBodyItHolds(t *testing.T) {
	f := newFleet(testConfig(t, "-devices", "1200", "-prefix", `q"<&>-`))
	tests := []struct {
		name   string
		asyncs []asyncResponse
		notes  [][2]int // device index, value
	}{
		{name: "only notifications", notes: [][2]int{{0, 2}, {1199, 12}, {41, 1}}},
		{name: "only async responses", asyncs: []asyncResponse{{ID: "a-1", Status: 200}, {ID: "5d1c-ab", Status: 404, Error: "NOT_FOUND"}}},
		{name: "async ids that need escapes", asyncs: []asyncResponse{{ID: "a\"b\\c\n<é>&\u2028", Status: 502, Error: "TIMEOUT"},
			{ID: "<a&b>", Status: 200}, {ID: "\x7f\xff", Status: 200}}},
		{name: "both lists", asyncs: []asyncResponse{{ID: "x", Status: 200}}, notes: [][2]int{{7, 4}}},
		{name: "nothing", notes: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBody(f.prefix)
			var want webhookBody
			for _, a := range tt.asyncs {
				b.addAsync(a.ID, a.Status, a.Error)
				want.AsyncResponses = append(want.AsyncResponses, a)
			}
			for i, n := range tt.notes {
				path := stateResource
				if i%2 == 1 {
					path = resultResource
				}
				b.addNote(f, n[0], path, n[1])
				want.Notifications = append(want.Notifications, notification{EP: f.id(n[0]), Path: path, CT: "text/plain",
					Payload: base64Text(n[1])})
			}
			wantJSON, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if b.items() != len(tt.asyncs)+len(tt.notes) {
				t.Errorf("items() = %d, want %d", b.items(), len(tt.asyncs)+len(tt.notes))
			}
			if diff := cmp.Diff(string(wantJSON), string(b.encode())); diff != "" {
				t.Errorf("body (-json.Marshal +body):\n%s", diff)
			}
			b.reset()
			if got := string(b.encode()); got != "{}" || b.items() != 0 {
				t.Errorf("after reset: %s with %d items, want {} and none", got, b.items())
			}
		})
	}
}

// base64Text is a value as Connect sends it: its decimal text in base64.
func base64Text(v int) string { return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(v))) }
