package http_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// A string the read models could not store is refused where it enters,
// with a 400 naming the field, and nothing is recorded: before, a device
// named "a\u0000b" was accepted, and the projection runner then stopped on
// its event at every start.
func TestTextThatCannotBeStoredIsRefusedWhereItEnters(t *testing.T) {
	a := newAPI(t)
	manifest := a.manifest("class-1")
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
			rec := a.call(tc.method, tc.path, acmeKey, []byte(tc.body))
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
	// The read side still works: a device written after them is listed.
	a.must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "after-1", "name": "fine"})
	a.must(http.StatusOK, "GET", "/v3/devices/after-1", nil)
}

// A bulk import of more devices than a request takes answers 413 naming
// the limit, and registers none of them.
func TestABulkImportOfTooManyDevicesIsRefused(t *testing.T) {
	a := newAPI(t)
	devices := make([]string, 10_001)
	for i := range devices {
		devices[i] = `{"id":"bulk-` + strings.Repeat("x", 3) + `-` + strconv.Itoa(i) + `"}`
	}
	rec := a.call("POST", "/v3/devices/bulk", acmeKey, []byte(`{"devices":[`+strings.Join(devices, ",")+`]}`))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 10000") {
		t.Fatalf("status %d body %.300s, want 413 naming the limit", rec.Code, rec.Body)
	}
	a.must(http.StatusNotFound, "GET", "/v3/devices/bulk-xxx-0", nil)
}
