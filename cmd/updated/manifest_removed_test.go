package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// A manifest deleted while its campaign sends, the service killed with
// SIGKILL at once: the restarted service writes that manifest to no
// device (a restarted engine writes its scheduled devices again, so it
// did before), and the campaign ends manifestremoved. The connector is a
// real HTTP server counting the writes; its devices never answer.
func TestADeletedManifestIsNotWrittenAfterAKill(t *testing.T) {
	var writes atomic.Int64
	connector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/device-requests/") {
			writes.Add(1)
			time.Sleep(50 * time.Millisecond)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(connector.Close)
	bin := buildBinaries(t)
	svc, c := startService(t, bin, t.TempDir(), pgtest.NewDatabase(t), "CONNECTOR_URL="+connector.URL,
		"SCHEDULER_BATCH_SIZE=20", "SCHEDULER_DELAY=1ms", "DEVICE_UPDATE_TIMEOUT=1h")
	for i := range 300 {
		c.do("POST", "/v3/devices", map[string]any{"id": fmt.Sprintf("dev-%03d", i), "device_class": "sensor"}, http.StatusCreated, nil)
	}
	campaign := c.startCampaign("doomed")
	var cp struct {
		RootManifestID string `json:"root_manifest_id"`
		Phase, State   string
	}
	c.do("GET", "/v3/update-campaigns/"+campaign.ID, nil, http.StatusOK, &cp)
	waitFor(t, "the first manifest writes", func() bool { return writes.Load() > 0 })

	c.do("DELETE", "/v3/firmware-manifests/"+cp.RootManifestID, nil, http.StatusNoContent, nil)
	svc.kill()
	before := writes.Load()
	svc.start()
	c.waitReady()
	c.waitFinished(campaign.ID, time.Now().Add(time.Minute))
	c.do("GET", "/v3/update-campaigns/"+campaign.ID, nil, http.StatusOK, &cp)
	if cp.State != "manifestremoved" {
		t.Errorf("campaign ended as %s, want manifestremoved", cp.State)
	}
	time.Sleep(500 * time.Millisecond) // writes in flight land by now
	if after := writes.Load() - before; after != 0 {
		t.Errorf("%d manifest writes after the restart, want none (%d before)", after, before)
	}
}
