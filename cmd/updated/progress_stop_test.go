package main_test

import (
	"bufio"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// A progress stream does not hold the service up when it stops: the
// stream ends as the shutdown begins, and the service exits cleanly at
// once, rather than after the shutdown's timeout with an error.
func TestTheServiceStopsAtOnceWithAProgressStreamOpen(t *testing.T) {
	svc, c := startService(t, buildBinaries(t), t.TempDir(), pgtest.NewDatabase(t))
	var manifest, campaign struct{ ID string }
	c.do("POST", "/v3/firmware-manifests", map[string]any{"name": "firmware 2", "device_class": "sensor",
		"delivered_payload_url": "https://fw.example/2.bin", "delivered_payload_digest": e2eDigest}, http.StatusCreated, &manifest)
	c.do("POST", "/v3/update-campaigns", map[string]any{"name": "watched", "root_manifest_id": manifest.ID,
		"device_filter": "state__eq=registered"}, http.StatusCreated, &campaign)
	req, err := http.NewRequestWithContext(t.Context(), "GET", c.base+"/v3/update-campaigns/"+campaign.ID+"/progress", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	if ev := apitest.ReadEvent(t, r); ev.Event != "progress" {
		t.Fatalf("first block %+v, want a progress event", ev)
	}

	exited := make(chan error, 1)
	go func() { exited <- svc.cmd.Wait() }()
	if err := svc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the service exited with %v, want a clean exit", err)
		}
	case <-time.After(8 * time.Second): // under the shutdown's 10 s timeout
		t.Fatal("the service still runs 8 s after SIGTERM with a progress stream open")
	}
	if _, err := r.ReadByte(); err == nil {
		t.Errorf("the stream went on after the service stopped")
	}
}
