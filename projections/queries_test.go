package projections_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// other is an account besides acme (declared with the campaign tests).
const other domain.AccountID = "other"

// queriesWorld is the history every query test reads: two accounts, a
// few manifests, campaigns in several phases, a catalog of twelve devices
// and one campaign whose devices reached every kind of outcome.
func queriesWorld(t *testing.T) *projections.Queries {
	w := newWorld(t)
	w.manifest(acme, "m1", "c1")
	w.manifest(acme, "m2", "c1")
	w.emit(domain.ManifestStream("m2"), domain.ManifestDeleted{At: w.now()})
	w.manifest(other, "m9", "c1")
	w.firmwareImage(acme, "i1", 1000)
	w.firmwareImage(acme, "i2", 2000)
	w.firmwareImage(acme, "i3", 3000)
	w.emit(domain.FirmwareImageStream("i3"), domain.FirmwareImageDeleted{At: w.now()})
	w.firmwareImage(other, "i9", 1000)
	w.uploadJob(acme, "j1", 3)
	w.emit(domain.UploadJobStream("j1"), domain.UploadJobCompleted{FirmwareImageID: "i1", At: w.now()})
	w.uploadJob(acme, "j2", 0)
	w.uploadJob(acme, "j3", 1)
	w.emit(domain.UploadJobStream("j3"), domain.UploadJobDeleted{At: w.now()})
	w.uploadJob(other, "j9", 1)
	w.campaign(acme, "k1", "alpha", "m1")
	w.campaign(acme, "k2", "beta", "m1", domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: w.now()})
	w.campaign(acme, "k3", "gamma", "m1")
	w.campaign(acme, "k4", "delta", "m1", domain.CampaignDeleted{At: w.now()})
	w.campaign(acme, "k5", "epsilon", "m1")
	w.campaign(other, "k9", "alpha", "m9")
	for i := 1; i <= 12; i++ {
		id := domain.DeviceID(fmt.Sprintf("d%02d", i))
		class, firmware, groups := "c1", "fw-old", []string(nil)
		switch id {
		case "d01", "d02":
			groups = []string{"g1"}
		case "d03":
			class = "c2"
		case "d04":
			groups = []string{"g2"}
		case "d05":
			groups = []string{"g1", "g3"}
		case "d06":
			firmware = "fw-new"
		}
		w.device(acme, id, class, firmware, groups...)
	}
	w.emit(domain.DeviceStream(acme, "d07"), domain.DeviceDeregistered{At: w.now()})
	w.device(other, "d01", "c1", "fw-old")
	for _, d := range []domain.DeviceID{"d01", "d02", "d04", "d05", "d08"} {
		w.enroll(acme, d, "k2")
	}
	w.skip(acme, "d03", "k2", domain.SkipDeviceClassMismatch)
	w.skip(acme, "d06", "k2", domain.SkipAlreadyUpdated)
	w.walk(acme, "d01", "k2", 0, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading, domain.UpdateInstalling, domain.UpdateDeployed)
	w.walk(acme, "d02", "k2", 101, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading, domain.UpdateFailed)
	w.walk(acme, "d04", "k2", 0, domain.UpdateScheduled, domain.UpdateFailedConnectorChannelUpdate)
	w.walk(acme, "d05", "k2", 0, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateTimedOut)
	return w.project()
}

func TestQueries(t *testing.T) {
	q := queriesWorld(t)
	t.Run("campaigns", func(t *testing.T) { testCampaignQueries(t, q) })
	t.Run("campaign lists", func(t *testing.T) { testCampaignLists(t, q) })
	t.Run("devices", func(t *testing.T) { testDeviceQueries(t, q) })
	t.Run("engine", func(t *testing.T) { testEngineQueries(t, q) })
	t.Run("device facts", func(t *testing.T) { testMatchingDeviceFacts(t, q) })
	t.Run("counters and statistics", func(t *testing.T) { testStatisticsQueries(t, q) })
	t.Run("campaign device metadata", func(t *testing.T) { testMetadataQueries(t, q) })
	t.Run("manifests", func(t *testing.T) { testManifestQueries(t, q) })
	t.Run("firmware images", func(t *testing.T) { testFirmwareImageQueries(t, q) })
	t.Run("upload jobs", func(t *testing.T) { testUploadJobQueries(t, q) })
}

func testCampaignQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	c, err := q.Campaign(ctx, acme, "k2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "beta" || c.Phase != domain.PhaseStarting || c.State != domain.StateAllocatingQuota ||
		c.RootManifestURL != "https://fw.example/m1.manifest" || c.HealthIndicator != projections.HealthWarning ||
		c.CampaignerStatus != domain.CampaignLaunched || c.StartedAt == nil || c.Etag != "1" {
		t.Errorf("campaign k2 = %+v", c)
	}
	if c, _ := q.Campaign(ctx, acme, "k1"); c.HealthIndicator != projections.HealthOK || c.StartedAt != nil {
		t.Errorf("campaign k1 = %+v", c)
	}
	for _, id := range []domain.CampaignID{"k9", "k4", "nope"} {
		if _, err := q.Campaign(ctx, acme, id); !isNotFound(err) {
			t.Errorf("campaign %s of acme: err = %v, want not found", id, err)
		}
	}
	for _, tc := range []struct {
		name   string
		except domain.CampaignID
		want   bool
	}{{"alpha", "", true}, {"alpha", "k1", false}, {"delta", "", false}, {"zeta", "", false}} {
		if got, err := q.CampaignNameInUse(ctx, acme, tc.name, tc.except); err != nil || got != tc.want {
			t.Errorf("CampaignNameInUse(%s except %q) = %v, %v; want %v", tc.name, tc.except, got, err, tc.want)
		}
	}
}

func testCampaignLists(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	k3, err := q.Campaign(ctx, acme, "k3")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query   string
		want    []domain.CampaignID
		hasMore bool
	}{
		{"", []domain.CampaignID{"k1", "k2", "k3", "k5"}, false},
		{"limit=2", []domain.CampaignID{"k1", "k2"}, true},
		{"limit=2&after=k2", []domain.CampaignID{"k3", "k5"}, false},
		{"limit=2&order=DESC", []domain.CampaignID{"k5", "k3"}, true},
		{"limit=2&order=DESC&after=k3", []domain.CampaignID{"k2", "k1"}, false},
		{"state__eq=allocatingquota", []domain.CampaignID{"k2"}, false},
		{"name__in=alpha,gamma", []domain.CampaignID{"k1", "k3"}, false},
		{"filter=" + url.QueryEscape("name__nin=alpha,gamma&phase__eq=draft"), []domain.CampaignID{"k5"}, false},
		{"created_at__gte=" + k3.CreatedAt.UTC().Format("20060102T150405Z"), []domain.CampaignID{"k3", "k5"}, false},
		{"filter=" + url.QueryEscape("created_at__lte="+k3.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")) + "&name__neq=alpha", []domain.CampaignID{"k2", "k3"}, false},
		{"started_at__gte=2000-01-01T00:00:00Z", []domain.CampaignID{"k2"}, false},
	} {
		page := listCampaigns(t, q, tc.query)
		if got := ids(page.Data, func(c projections.Campaign) domain.CampaignID { return c.ID }); !slices.Equal(got, tc.want) || page.HasMore != tc.hasMore {
			t.Errorf("%s: got %v has_more %v, want %v has_more %v", tc.query, got, page.HasMore, tc.want, tc.hasMore)
		}
	}
	page := listCampaigns(t, q, "limit=2&include=total_count")
	if page.TotalCount == nil || *page.TotalCount != 4 || page.Limit != 2 || page.Order != projections.Ascending {
		t.Errorf("page = %+v", page)
	}
	req, _ := projections.ParseListRequest(url.Values{"colour__eq": {"red"}})
	_, err = q.ListCampaigns(ctx, acme, req)
	var invalid domain.InvalidError
	if !errors.As(err, &invalid) || invalid.Field != "colour__eq" {
		t.Errorf("unknown field: err = %v", err)
	}
}

func listCampaigns(t *testing.T, q *projections.Queries, query string) projections.Page[projections.Campaign] {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	req, err := projections.ParseListRequest(v)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	page, err := q.ListCampaigns(testCtx(t), acme, req)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return page
}

func testDeviceQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	d, err := q.Device(ctx, acme, "d05")
	if err != nil {
		t.Fatal(err)
	}
	want := projections.Device{ID: "d05", AccountID: acme, Name: "name of d05", DeviceClass: "c1", VendorID: "vendor-1",
		FirmwareChecksum: "fw-old", Groups: []string{"g1", "g3"}, Mechanism: "connector", MechanismURL: "coap://d05",
		State: domain.DeviceRegisteredState, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("device d05 (-want +got):\n%s", diff)
	}
	if d, _ := q.Device(ctx, acme, "d08"); d.ActiveCampaignID == nil || *d.ActiveCampaignID != "k2" {
		t.Errorf("d08 active campaign = %v, want k2", d.ActiveCampaignID)
	}
	if d, err := q.Device(ctx, acme, "d07"); err != nil || d.State != domain.DeviceDeregisteredState {
		t.Errorf("d07 = %+v, %v; want deregistered", d, err)
	}
	if _, err := q.Device(ctx, other, "d05"); !isNotFound(err) {
		t.Errorf("another account's device: err = %v, want not found", err)
	}
	for _, tc := range []struct {
		query   string
		want    []domain.DeviceID
		hasMore bool
	}{
		{"limit=3", []domain.DeviceID{"d01", "d02", "d03"}, true},
		{"limit=5&after=d05", []domain.DeviceID{"d06", "d07", "d08", "d09", "d10"}, true},
		{"order=DESC&limit=2", []domain.DeviceID{"d12", "d11"}, true},
		{"groups__in=g1", []domain.DeviceID{"d01", "d02", "d05"}, false},
		{"filter=" + url.QueryEscape("groups__eq=g3"), []domain.DeviceID{"d05"}, false},
		{"state__eq=deregistered", []domain.DeviceID{"d07"}, false},
		{"device_class__neq=c1&firmware_checksum__eq=fw-old", []domain.DeviceID{"d03"}, false},
	} {
		v, _ := url.ParseQuery(tc.query)
		req, err := projections.ParseListRequest(v)
		if err != nil {
			t.Fatal(err)
		}
		page, err := q.ListDevices(ctx, acme, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got := ids(page.Data, func(d projections.Device) domain.DeviceID { return d.ID }); !slices.Equal(got, tc.want) || page.HasMore != tc.hasMore {
			t.Errorf("%s: got %v has_more %v, want %v has_more %v", tc.query, got, page.HasMore, tc.want, tc.hasMore)
		}
	}
}

func testEngineQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	for _, tc := range []struct {
		filter string
		after  domain.DeviceID
		limit  int
		want   []domain.DeviceID
	}{
		{"state__eq=registered&device_class__eq=c1", "", 100, []domain.DeviceID{"d01", "d02", "d04", "d05", "d06", "d08", "d09", "d10", "d11", "d12"}},
		{"state__eq=registered&device_class__eq=c1", "d05", 2, []domain.DeviceID{"d06", "d08"}},
		{"groups__in=g1,g2", "", 100, []domain.DeviceID{"d01", "d02", "d04", "d05"}},
		{"state=registered&groups__nin=g1&firmware_checksum__neq=fw-new&device_class__in=c1", "", 3, []domain.DeviceID{"d04", "d08", "d09"}},
		{"id__in=d01,d02", "", 100, []domain.DeviceID{"d01", "d02"}},
	} {
		got, err := q.MatchingDevices(ctx, acme, domain.DeviceSelection{Filter: tc.filter}, tc.after, tc.limit)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("MatchingDevices(%s after %q limit %d) = %v, %v; want %v", tc.filter, tc.after, tc.limit, got, err, tc.want)
		}
	}
	if got, err := q.MatchingDevices(ctx, other, domain.DeviceSelection{Filter: "state__eq=registered"}, "", 100); err != nil || !slices.Equal(got, []domain.DeviceID{"d01"}) {
		t.Errorf("other account's devices = %v, %v", got, err)
	}
	groups := domain.DeviceSelection{Filter: "state__eq=registered", Groups: []string{"g2", "g3"}}
	if got, err := q.MatchingDevices(ctx, acme, groups, "", 100); err != nil || !slices.Equal(got, []domain.DeviceID{"d04", "d05"}) {
		t.Errorf("devices of groups g2 and g3 = %v, %v; want d04 d05", got, err)
	}
	if got, err := q.MatchingDevices(ctx, acme, groups, "d04", 100); err != nil || !slices.Equal(got, []domain.DeviceID{"d05"}) {
		t.Errorf("devices of groups g2 and g3 after d04 = %v, %v; want d05", got, err)
	}
	listed := domain.DeviceSelection{Filter: "state__eq=registered", Devices: []domain.DeviceID{"d02", "d07", "d09"}}
	if got, err := q.MatchingDevices(ctx, acme, listed, "d01", 100); err != nil || !slices.Equal(got, []domain.DeviceID{"d02", "d09"}) {
		t.Errorf("registered devices of the list d02 d07 d09 = %v, %v; want d02 d09", got, err)
	}
	_, err := q.MatchingDevices(ctx, acme, domain.DeviceSelection{Filter: "state__eq=registered&colour__eq=red"}, "", 10)
	var invalid domain.InvalidError
	if !errors.As(err, &invalid) || invalid.Field != "device_filter" {
		t.Errorf("invalid filter: err = %v, want an InvalidError of device_filter", err)
	}
	for _, tc := range []struct {
		states []domain.UpdateState
		after  domain.DeviceID
		limit  int
		want   []domain.DeviceID
	}{
		{[]domain.UpdateState{domain.UpdatePending}, "", 10, []domain.DeviceID{"d08"}},
		{[]domain.UpdateState{domain.UpdatePending, domain.UpdateTimedOut}, "", 10, []domain.DeviceID{"d05", "d08"}},
		{[]domain.UpdateState{domain.UpdatePending, domain.UpdateTimedOut}, "d05", 10, []domain.DeviceID{"d08"}},
		{[]domain.UpdateState{domain.UpdatePending, domain.UpdateTimedOut}, "", 1, []domain.DeviceID{"d05"}},
		{[]domain.UpdateState{domain.UpdateSkipped}, "", 10, []domain.DeviceID{"d03", "d06"}},
	} {
		got, err := q.CampaignDevicesInStates(ctx, "k2", tc.states, tc.after, tc.limit)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("CampaignDevicesInStates(%v after %q limit %d) = %v, %v; want %v", tc.states, tc.after, tc.limit, got, err, tc.want)
		}
	}
}

func ids[T any, ID any](items []T, id func(T) ID) []ID {
	out := make([]ID, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func isNotFound(err error) bool {
	var nf domain.NotFoundError
	return errors.As(err, &nf)
}
