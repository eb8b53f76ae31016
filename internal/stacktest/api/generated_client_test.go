package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
	"github.com/updateservice/updateservice/internal/apiclient"
)

// The generated client is made from the document the service serves:
// internal/apiclient/openapi.json must be that document.
func TestTheGeneratedClientIsOfTheServedDocument(t *testing.T) {
	served, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile("../../apiclient/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, served) {
		t.Errorf("internal/apiclient/openapi.json is not the served document: run go generate ./internal/apiclient")
	}
}

// A client generated from the OpenAPI document uploads a firmware image
// and a manifest file of it, registers a device, and creates, starts,
// reads and stops a campaign, over HTTP: what an integrator's generated
// client does, its answers decoded by the generated types.
func TestAGeneratedClientRunsACampaignWithUploadedFiles(t *testing.T) {
	a := newAPI(t, func(d *httpapi.Deps) { d.Blobs, d.MaxImageBytes = blobStores["directory"](t), 64<<20 })
	server := httptest.NewServer(a.Handler)
	t.Cleanup(server.Close)
	c, err := apiclient.NewClientWithResponses(server.URL, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+acmeKey)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	firmware := bytes.Repeat([]byte("firmware"), 4096)
	body, ctype := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor-2.0.bin", Content: firmware})
	image, err := c.CreateFirmwareImageWithBodyWithResponse(ctx, ctype, bytes.NewReader(body))
	called(t, "upload the image", err)
	if image.JSON201 == nil {
		t.Fatalf("upload the image: %d %s", image.StatusCode(), image.Body)
	}
	u := mft.Example()
	u.PayloadURL, u.PayloadSize = image.JSON201.Datafile, int64(image.JSON201.DatafileSize)
	file, err := mft.V3(u).DER()
	if err != nil {
		t.Fatal(err)
	}
	body, ctype = apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor.manifest", Content: file})
	manifest, err := c.CreateManifestWithBodyWithResponse(ctx, nil, ctype, bytes.NewReader(body))
	called(t, "upload the manifest", err)
	if manifest.JSON201 == nil {
		t.Fatalf("upload the manifest: %d %s", manifest.StatusCode(), manifest.Body)
	}
	if m := manifest.JSON201; m.DeliveredPayloadUrl != image.JSON201.Datafile || m.DeviceClass != u.Class.String() {
		t.Errorf("manifest = %+v, want the image's URL and the class %s", m, u.Class)
	}

	device, class, filter := "sensor-1", u.Class.String(), "device_class__eq="+u.Class.String()
	d, err := c.CreateDeviceWithResponse(ctx, nil, apiclient.DeviceInput{Id: &device, DeviceClass: &class})
	called(t, "register the device", err)
	if d.JSON201 == nil {
		t.Fatalf("register the device: %d %s", d.StatusCode(), d.Body)
	}
	name := "sensors to 2.0.1"
	created, err := c.CreateCampaignWithResponse(ctx, nil, apiclient.CampaignInput{Name: &name, RootManifestId: &manifest.JSON201.Id, DeviceFilter: &filter})
	called(t, "create the campaign", err)
	if created.JSON201 == nil {
		t.Fatalf("create the campaign: %d %s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.Id
	started, err := c.StartCampaignWithResponse(ctx, id, nil)
	called(t, "start the campaign", err)
	if started.JSON202 == nil || started.JSON202.Phase == apiclient.CampaignPhaseDraft {
		t.Fatalf("start the campaign: %d %s", started.StatusCode(), started.Body)
	}
	got, err := c.GetCampaignWithResponse(ctx, id, nil)
	called(t, "read the campaign", err)
	if got.JSON200 == nil || got.JSON200.RootManifestUrl != manifest.JSON201.Datafile || got.JSON200.StartingAt == nil {
		t.Fatalf("read the campaign: %d %s", got.StatusCode(), got.Body)
	}
	stats, err := c.ListStatisticsWithResponse(ctx, id, nil)
	called(t, "read the statistics", err)
	if stats.JSON200 == nil || len(stats.JSON200.Data) != 4 {
		t.Fatalf("read the statistics: %d %s", stats.StatusCode(), stats.Body)
	}
	stopped, err := c.StopCampaignWithResponse(ctx, id, nil)
	called(t, "stop the campaign", err)
	if stopped.JSON202 == nil {
		t.Fatalf("stop the campaign: %d %s", stopped.StatusCode(), stopped.Body)
	}
}

// called fails the test when a request of the generated client failed
// before any answer.
func called(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
