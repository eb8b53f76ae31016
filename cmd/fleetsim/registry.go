package main

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// registry plays Campaigner's Device Registry: the devices of each group,
// and each device's own (OEM) id.
type registry struct{ fleet otaFleet }

// maxRegistryPage is the largest page the Registry answers.
const maxRegistryPage = 1000

// routes adds the Registry's API to mux.
func (r *registry) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/device_groups/{group}/devices", namespaced(r.groupDevices))
	mux.HandleFunc("GET /api/v1/devices/{uuid}", namespaced(r.device))
}

// groupDevices answers a page of a group's devices.
func (r *registry) groupDevices(w http.ResponseWriter, req *http.Request, _ string) {
	g, ok := r.fleet.group(req.PathValue("group"))
	if !ok {
		otaError(w, http.StatusNotFound, "missing_entity", "no such group")
		return
	}
	offset, err1 := intParam(req, "offset", 0)
	limit, err2 := intParam(req, "limit", 50)
	if err1 != nil || err2 != nil || offset < 0 || limit < 0 {
		otaError(w, http.StatusBadRequest, "invalid_entity", "offset and limit are numbers from 0")
		return
	}
	limit = min(limit, maxRegistryPage)
	size := r.fleet.groups[g]
	values := make([]string, 0, max(0, min(limit, size-offset)))
	for i := offset; i < size && i < offset+limit; i++ {
		values = append(values, r.fleet.deviceID(g, i))
	}
	writeJSON(w, map[string]any{"values": values, "total": size, "offset": offset, "limit": limit})
}

// device answers a device's record.
func (r *registry) device(w http.ResponseWriter, req *http.Request, namespace string) {
	id := req.PathValue("uuid")
	g, i, ok := r.fleet.device(id)
	if !ok {
		otaError(w, http.StatusNotFound, "missing_entity", "no such device")
		return
	}
	writeJSON(w, map[string]any{"uuid": id, "deviceId": r.fleet.oemID(g, i), "deviceName": r.fleet.oemID(g, i),
		"deviceType": "Other", "namespace": namespace})
}

// namespaced refuses a request without x-ats-namespace, as Campaigner's
// gateway would, and hands the namespace to the handler.
func namespaced(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ns := r.Header.Get("x-ats-namespace")
		if ns == "" {
			otaError(w, http.StatusBadRequest, "missing_namespace", "x-ats-namespace is required")
			return
		}
		h(w, r, ns)
	}
}

// intParam reads a query parameter as a number, def when absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// otaError answers libats' error object.
func otaError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "description": description})
}

// writeJSON answers v with 200.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
