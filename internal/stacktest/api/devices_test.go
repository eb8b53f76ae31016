package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

func TestDevicesAreCreatedReadUpdatedAndDeregistered(t *testing.T) {
	a := newAPI(t)
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{
		"id": "dev-1", "name": "boiler", "device_class": "class-1", "vendor_id": "v1", "firmware_checksum": "fw-1",
		"groups": []string{"north", "boilers"}, "mechanism_url": "coap://dev-1",
	}))
	if created["object"] != "device" || created["id"] != "dev-1" || created["state"] != "registered" || created["mechanism"] != "connector" ||
		fmt.Sprint(created["groups"]) != "[boilers north]" {
		t.Errorf("created = %v", created)
	}
	// PUT changes what it gives and keeps the rest.
	updated := apitest.Object(t, a.Must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"firmware_checksum": "fw-2", "id": "ignored"}))
	if updated["firmware_checksum"] != "fw-2" || updated["name"] != "boiler" || updated["device_class"] != "class-1" {
		t.Errorf("updated = %v", updated)
	}
	apitest.ErrorOf(t, a.Call("GET", "/v3/devices/dev-1", globexKey, nil), http.StatusNotFound)
	apitest.ErrorOf(t, a.Call("PUT", "/v3/devices/nope", acmeKey, map[string]any{"name": "x"}), http.StatusNotFound)
	e := apitest.ErrorOf(t, a.Call("POST", "/v3/devices", acmeKey, map[string]any{"name": "no id"}), http.StatusBadRequest)
	if !slices.Equal(e.FieldNames(), []string{"id"}) {
		t.Errorf("fields %v", e.FieldNames())
	}
	e = apitest.ErrorOf(t, a.Call("POST", "/v3/devices", acmeKey, map[string]any{"id": "dev-2", "groups": "north"}), http.StatusBadRequest)
	if !slices.Equal(e.FieldNames(), []string{"groups"}) {
		t.Errorf("fields %v", e.FieldNames())
	}
	a.Must(http.StatusNoContent, "DELETE", "/v3/devices/dev-1", nil)
	if got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/devices/dev-1", nil)); got["state"] != "deregistered" {
		t.Errorf("after DELETE = %v", got)
	}
}

func TestBulkImportReportsEachFailure(t *testing.T) {
	a := newAPI(t)
	var devices []map[string]any
	for i := range 30 {
		devices = append(devices, map[string]any{"id": fmt.Sprintf("d%02d", i), "device_class": "class-1", "groups": []string{fmt.Sprintf("g%d", i%3)}})
	}
	devices = append(devices, map[string]any{"name": "no id"}, map[string]any{"id": "d01"}, map[string]any{"id": "bad/id"})
	rec := a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", map[string]any{"devices": devices})
	var out struct {
		Registered int `json:"registered"`
		Failed     []struct {
			Index   int    `json:"index"`
			ID      string `json:"id"`
			Message string `json:"message"`
		} `json:"failed"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	var indexes []int
	for _, f := range out.Failed {
		indexes = append(indexes, f.Index)
		if f.Message == "" {
			t.Errorf("failure %+v has no message", f)
		}
	}
	if out.Registered != 30 || !slices.Equal(indexes, []int{30, 31, 32}) {
		t.Errorf("bulk = %+v", out)
	}
	// The catalog shows the import as soon as it answered.
	p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/devices?limit=10&include=total_count", nil))
	if p.TotalCount == nil || *p.TotalCount != 30 || !p.HasMore || len(p.Data) != 10 {
		t.Errorf("first page = %+v", p)
	}
	p = apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/devices?limit=10&after=d25", nil))
	if !slices.Equal(p.IDs("id"), []string{"d26", "d27", "d28", "d29"}) || p.HasMore {
		t.Errorf("last page = %v", p.IDs("id"))
	}
	p = apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/devices?filter="+url.QueryEscape("groups__in=g1,g9&device_class__eq=class-1")+"&limit=4", nil))
	if !slices.Equal(p.IDs("id"), []string{"d01", "d04", "d07", "d10"}) || !p.HasMore {
		t.Errorf("filtered = %v", p.IDs("id"))
	}
}

func TestManifestsAreCreatedListedAndDeleted(t *testing.T) {
	a := newAPI(t)
	id := a.manifest("class-1")
	m := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-manifests/"+id, nil))
	if m["object"] != "firmware-manifest" || m["timestamp"] != "2025-03-01T08:00:00Z" || m["delivered_payload_type"] != "full" ||
		m["datafile"] != "https://fw.example/2.manifest" || m["delivered_payload_size"] != 2048.0 {
		t.Errorf("manifest = %v", m)
	}
	if p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/firmware-manifests?device_class__eq=class-1", nil)); !slices.Equal(p.IDs("id"), []string{id}) {
		t.Errorf("list = %v", p.IDs("id"))
	}
	e := apitest.ErrorOf(t, a.Call("POST", "/v3/firmware-manifests", acmeKey, map[string]any{"name": "x"}), http.StatusBadRequest)
	if !slices.Equal(e.FieldNames(), []string{"device_class", "delivered_payload_url", "delivered_payload_digest"}) {
		t.Errorf("fields %v", e.FieldNames())
	}
	apitest.ErrorOf(t, a.Call("DELETE", "/v3/firmware-manifests/"+id, globexKey, nil), http.StatusNotFound)
	a.Must(http.StatusNoContent, "DELETE", "/v3/firmware-manifests/"+id, nil)
	apitest.ErrorOf(t, a.Call("GET", "/v3/firmware-manifests/"+id, acmeKey, nil), http.StatusNotFound)
}
