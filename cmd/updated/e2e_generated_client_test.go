package main_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
	"github.com/updateservice/updateservice/internal/apiclient"
)

// Given the service and fleetsim's devices of the class a manifest file
// names, when an integrator's client generated from the served OpenAPI
// document uploads a firmware image, uploads a DER manifest file of it,
// and creates and starts a campaign over every registered device, then
// the campaign runs to its end and every device ends as fleetsim expects:
// a generated client drives a whole campaign, unchanged.
func TestAGeneratedClientRunsAWholeCampaignWithUploadedFiles(t *testing.T) {
	const devices = 200
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=50", "SCHEDULER_DELAY=50ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=20s", "CONNECTOR_URL=http://"+sim)
	api, err := apiclient.NewClientWithResponses(c.base, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+e2eKey)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	body, ctype := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor-2.0.1.bin", Content: bytes.Repeat([]byte("firmware 2.0.1 "), 40000)})
	image, err := api.CreateFirmwareImageWithBodyWithResponse(ctx, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("upload the image: %v", err)
	}
	if image.JSON201 == nil {
		t.Fatalf("upload the image: %d %s", image.StatusCode(), image.Body)
	}
	u := mft.Example()
	u.PayloadURL, u.PayloadSize = image.JSON201.Datafile, int64(image.JSON201.DatafileSize)
	if u.PayloadDigest, err = hex.DecodeString(image.JSON201.DatafileChecksum); err != nil {
		t.Fatal(err)
	}
	// fleetsim's devices are of the file's class; its up-to-date ones run
	// the image already.
	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(devices), "-seed", "11",
		"-latency", "20ms", "-mix", "success=70,fail=10,uptodate=10,wrongclass=10",
		"-device-class", u.Class.String(), "-manifest-digest", image.JSON201.DatafileChecksum)
	c.waitDevices(devices)

	file, err := mft.V3(u).DER()
	if err != nil {
		t.Fatal(err)
	}
	body, ctype = apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor-2.0.1.manifest", Content: file})
	manifest, err := api.CreateManifestWithBodyWithResponse(ctx, nil, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("upload the manifest file: %v", err)
	}
	if manifest.JSON201 == nil {
		t.Fatalf("upload the manifest file: %d %s", manifest.StatusCode(), manifest.Body)
	}
	filter := "state__eq=registered"
	created, err := api.CreateCampaignWithResponse(ctx, nil, apiclient.CampaignInput{RootManifestId: &manifest.JSON201.Id, DeviceFilter: &filter})
	if err != nil {
		t.Fatalf("create the campaign: %v", err)
	}
	if created.JSON201 == nil {
		t.Fatalf("create the campaign: %d %s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.Id
	started, err := api.StartCampaignWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatalf("start the campaign: %v", err)
	}
	if started.JSON202 == nil {
		t.Fatalf("start the campaign: %d %s", started.StatusCode(), started.Body)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		got, err := api.GetCampaignWithResponse(ctx, id, nil)
		if err != nil {
			t.Fatalf("read the campaign: %v", err)
		}
		if got.JSON200 == nil {
			t.Fatalf("read the campaign: %d %s", got.StatusCode(), got.Body)
		}
		if got.JSON200.Phase == apiclient.CampaignPhaseStopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the campaign is %s/%s at the deadline; stats %+v", got.JSON200.Phase, got.JSON200.State, c.stats(id))
		}
	}
	checkOutcome(t, c, id, expectFile)
}
