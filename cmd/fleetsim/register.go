package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Registration pacing: devices go to the bulk API in chunks of bulkChunk,
// bulkParallel chunks at a time; deletions go deleteParallel at a time.
const (
	bulkChunk      = 1000
	bulkParallel   = 2
	deleteParallel = 8
	registerRetry  = 2 * time.Minute
)

// deviceObject is the Device Directory's device object, as fleetsim
// registers it.
type deviceObject struct {
	ID               string   `json:"id"`
	Description      string   `json:"description"`
	DeviceClass      string   `json:"device_class"`
	VendorID         string   `json:"vendor_id,omitempty"`
	FirmwareChecksum string   `json:"firmware_checksum"`
	Groups           []string `json:"groups"`
	Mechanism        string   `json:"mechanism"`
	MechanismURL     string   `json:"mechanism_url"`
}

// registrar registers the fleet with the service.
type registrar struct {
	api, key string
	client   *http.Client
}

// newRegistrar registers devices with an account's API key.
func newRegistrar(c config, key string) *registrar {
	return &registrar{api: strings.TrimRight(c.API, "/"), key: key, client: &http.Client{Timeout: time.Minute}}
}

// register bulk-registers every device with mechanismURL as its connector,
// then deletes the "deregistered" ones. Each chunk's device objects are
// made when the chunk is sent, so that only the chunks in flight are in
// memory and not the whole fleet's.
func (r *registrar) register(ctx context.Context, c config, f *fleet, mechanismURL string) error {
	chunks := (f.size() + bulkChunk - 1) / bulkChunk
	err := parallel(ctx, chunks, bulkParallel, func(n int) error {
		start := n * bulkChunk
		chunk := make([]deviceObject, 0, bulkChunk)
		for i := start; i < min(start+bulkChunk, f.size()); i++ {
			d := f.device(i)
			chunk = append(chunk, deviceObject{ID: f.id(i), Description: "fleetsim " + string(d.Category) + " device",
				DeviceClass: d.Class, VendorID: c.Vendor, FirmwareChecksum: d.Checksum(), Groups: []string{"fleetsim"},
				Mechanism: "connector", MechanismURL: mechanismURL})
		}
		return r.bulk(ctx, chunk)
	})
	if err != nil {
		return err
	}
	var gone []uint32
	for i := range f.size() {
		if f.category(i) == catDeregistered {
			gone = append(gone, uint32(i))
		}
	}
	return parallel(ctx, len(gone), deleteParallel, func(n int) error { return r.delete(ctx, f.id(int(gone[n]))) })
}

// bulk registers one chunk; any device the service refused fails the run,
// since the expectations would not hold.
func (r *registrar) bulk(ctx context.Context, devices []deviceObject) error {
	body, err := json.Marshal(map[string]any{"devices": devices})
	if err != nil {
		return err
	}
	a, err := r.call(ctx, http.MethodPost, "/v3/devices/bulk", body)
	if err != nil {
		return fmt.Errorf("registering devices %s..: %w", devices[0].ID, err)
	}
	var answer struct {
		Registered int `json:"registered"`
		Failed     []struct {
			Index   int    `json:"index"`
			ID      string `json:"id"`
			Message string `json:"message"`
		} `json:"failed"`
	}
	if err := json.Unmarshal(a.Body, &answer); err != nil {
		return fmt.Errorf("registering devices %s..: answer %q: %w", devices[0].ID, a.Body, err)
	}
	if len(answer.Failed) > 0 {
		f := answer.Failed[0]
		return fmt.Errorf("the service refused %d of %d devices, first %s: %s", len(answer.Failed), len(devices), f.ID, f.Message)
	}
	return nil
}

// delete deregisters one device.
func (r *registrar) delete(ctx context.Context, id string) error {
	if _, err := r.call(ctx, http.MethodDelete, "/v3/devices/"+url.PathEscape(id), nil); err != nil {
		return fmt.Errorf("deleting device %s: %w", id, err)
	}
	return nil
}

// call sends one API request, waiting out an unavailable service; a 4xx
// answer is an error.
func (r *registrar) call(ctx context.Context, method, path string, body []byte) (answer, error) {
	a, err := call(ctx, r.client, registerRetry, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, method, r.api+path, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+r.key)
		}
		return req, err
	})
	if err == nil && a.Status >= 300 {
		err = fmt.Errorf("%s %s: status %d: %.300s", method, path, a.Status, a.Body)
	}
	return a, err
}

// parallel runs do(0..n-1) with at most limit at a time and returns every
// error joined; it starts nothing new after the first error.
func parallel(ctx context.Context, n, limit int, do func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	slots := make(chan struct{}, limit)
	for i := range n {
		mu.Lock()
		failed := len(errs) > 0
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := do(i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}
