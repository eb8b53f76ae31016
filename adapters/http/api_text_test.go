package http_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
)

// A string the read models could not store is refused where it enters,
// with a 400 naming the field, and nothing is recorded: before, a device
// named "a\u0000b" was accepted, and the projection runner then stopped on
// its event at every start. The commands refuse what the handler does
// not check itself.
func TestTextThatCannotBeStoredIsRefusedWhereItEnters(t *testing.T) {
	store := memstore.New()
	a := newAPI(t, withCommands(store))
	manifest := "manifest-1"
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"a NUL in a device's name", "POST", "/v3/devices", `{"id":"nul-1","name":"a\u0000b"}`, "name"},
		{"a NUL in a device id", "POST", "/v3/devices", `{"id":"nul\u0000-2"}`, "id"},
		{"a control character in a device class", "POST", "/v3/devices", `{"id":"ctl-1","device_class":"a\u0007b"}`, "device_class"},
		{"a NUL in a manifest's description", "POST", "/v3/firmware-manifests", `{"name":"m","description":"x\u0000","device_class":"c",
			"delivered_payload_type":"full","delivered_payload_url":"https://fw.example/1.bin","delivered_payload_digest":"d","delivered_payload_size":1}`, "description"},
		{"a NUL in a campaign's name", "POST", "/v3/update-campaigns", `{"name":"c\u0000","root_manifest_id":"` + manifest + `","device_filter":"state__eq=registered"}`, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := a.Call(tc.method, tc.path, acmeKey, []byte(tc.body))
			var e struct {
				Type   string `json:"type"`
				Fields []struct {
					Name string `json:"name"`
				} `json:"fields"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d body %s, want a 400 error object", rec.Code, rec.Body)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Name)
			}
			if !strings.Contains(strings.Join(fields, " "), tc.field) {
				t.Errorf("fields %v, want %s named", fields, tc.field)
			}
		})
	}
	if got := recorded(t, store); len(got) != 0 {
		t.Errorf("recorded %d events, want none", len(got))
	}
	// The commands take the next write.
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "after-1", "name": "fine"})
}

// A bulk import of more devices than a request takes answers 413 naming
// the limit, and registers none of them.
func TestABulkImportOfTooManyDevicesIsRefused(t *testing.T) {
	a := newAPI(t)
	devices := make([]string, 10_001)
	for i := range devices {
		devices[i] = `{"id":"bulk-` + strings.Repeat("x", 3) + `-` + strconv.Itoa(i) + `"}`
	}
	rec := a.Call("POST", "/v3/devices/bulk", acmeKey, []byte(`{"devices":[`+strings.Join(devices, ",")+`]}`))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 10000") {
		t.Fatalf("status %d body %.300s, want 413 naming the limit", rec.Code, rec.Body)
	}
	if got := a.ports.wrote(); len(got) != 0 {
		t.Errorf("writes sent: %v", got)
	}
}

// A path parameter, a page's after, or a campaign's device filter that
// PostgreSQL cannot take as text (a NUL, invalid UTF-8, a control
// character) answers 400 naming the parameter, before any query: before,
// it reached PostgreSQL, whose refusal answered 500. The read models'
// queries check filter terms (internal/stacktest/api).
func TestParametersThatCannotBeStoredAnswer400(t *testing.T) {
	a := newAPI(t)
	campaign := "campaign-1"
	base := "/v3/update-campaigns/" + campaign
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"invalid UTF-8 in after", "GET", "/v3/update-campaigns?after=%ff", "", "after"},
		{"a NUL in after", "GET", "/v3/devices?after=a%00b", "", "after"},
		{"a NUL in a campaign id", "GET", "/v3/update-campaigns/a%00b", "", "id"},
		{"invalid UTF-8 in a campaign id", "GET", "/v3/update-campaigns/a%FFb", "", "id"},
		{"a NUL in a campaign id to delete", "DELETE", "/v3/update-campaigns/a%00b", "", "id"},
		{"a NUL in a campaign id to start", "POST", "/v3/update-campaigns/a%00b/start", "", "id"},
		{"a control character in a device id", "GET", "/v3/devices/a%01b", "", "id"},
		{"a NUL in a device id to update", "PUT", "/v3/devices/a%00b", `{"name":"x"}`, "id"},
		{"a NUL in a manifest id", "GET", "/v3/firmware-manifests/%00", "", "id"},
		{"a NUL in a metadata id", "GET", base + "/campaign-device-metadata/a%00b", "", "metadata_id"},
		{"a NUL in a statistics summary", "GET", base + "/statistics/fail%00", "", "summary"},
		{"a NUL in a statistics event type", "GET", base + "/statistics/fail/event_types/a%00", "", "event_type"},
		{"a NUL in a campaign's device filter", "POST", "/v3/update-campaigns", `{"name":"nul filter","root_manifest_id":"m","device_filter":"state__eq=a%00b"}`, "device_filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = []byte(tc.body)
			}
			e := apitest.ErrorOf(t, a.Call(tc.method, tc.path, acmeKey, body), http.StatusBadRequest)
			if e.Type != "validation_error" || !slices.Contains(e.FieldNames(), tc.field) {
				t.Errorf("type %q fields %v, want a validation_error naming %s", e.Type, e.FieldNames(), tc.field)
			}
		})
	}
	if got := a.ports.called(); len(got) != 0 {
		t.Errorf("calls that reached the service: %v", got)
	}
}
