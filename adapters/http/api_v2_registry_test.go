package http_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// fakeRegistry is the Device Registry: groups' members, devices' own ids
// ("OEM-" and ours; none for "unknown"), and a failure when fail is set.
// It records the accounts it was asked in and the lookups in flight at
// most.
type fakeRegistry struct {
	groups map[string][]domain.DeviceID
	fail   error

	mu                 sync.Mutex
	accounts           []domain.AccountID
	inFlight, mostSeen int
}

func (f *fakeRegistry) GroupDevices(_ context.Context, account domain.AccountID, group string, offset, limit int) ([]domain.DeviceID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts = append(f.accounts, account)
	members := f.groups[group]
	return members[min(offset, len(members)):min(offset+limit, len(members))], f.fail
}

func (f *fakeRegistry) OwnDeviceID(_ context.Context, _ domain.AccountID, device domain.DeviceID) (string, bool, error) {
	f.mu.Lock()
	f.inFlight++
	f.mostSeen = max(f.mostSeen, f.inFlight)
	f.mu.Unlock()
	time.Sleep(time.Millisecond) // long enough for the lookups to overlap
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.fail != nil {
		return "", false, f.fail
	}
	return "OEM-" + string(device), device != "d00002", nil
}

// withRegistry configures the Device Registry r.
func withRegistry(r *fakeRegistry) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.Registry = r }
}

// With a Device Registry, a v2 create asks it, not the catalog, whether
// the groups hold devices: groups all empty there answer 400
// campaign_without_devices though the catalog matches a device; one
// non-empty group is enough; a Registry failure answers 502.
func TestCampaignerCreateAsksTheRegistryForTheGroupsDevices(t *testing.T) {
	registry := &fakeRegistry{groups: map[string][]domain.DeviceID{"field": {"d7"}}}
	a := newAPI(t, withRegistry(registry))
	a.ports.createCampaign = func(commands.CreateCampaign) (commands.Result, error) { return commands.Result{}, nil }
	body := func(name string, groups ...string) map[string]any {
		return map[string]any{"name": name, "update": v2Update, "groups": groups}
	}

	apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns", acmeKey, body("empty", "lab", "nowhere")),
		http.StatusBadRequest, "campaign_without_devices")
	a.Must(http.StatusCreated, "POST", "/api/v2/campaigns", body("some", "lab", "field"))
	if got := fmt.Sprint(registry.accounts); got != "[acme acme acme acme]" {
		t.Errorf("the Registry was asked in accounts %s, want acme's, once per group until one holds a device", got)
	}
	registry.fail = errors.New("registry down")
	apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns", acmeKey, body("down", "field")),
		http.StatusBadGateway, "remote_service_error")
}

// With a Device Registry, failed-installations.csv names each device by
// the Registry's own device id, looked up a few at a time; a device the
// Registry does not know keeps our id; a Registry failure before the
// first row answers 502.
func TestCampaignerFailedInstallationsShowTheRegistrysDeviceIDs(t *testing.T) {
	registry := &fakeRegistry{}
	a := newAPI(t, withRegistry(registry))
	largest := 0
	a.ports.failedInstallations = failedDevices(1200, &largest)
	path := "/api/v2/campaigns/" + v2Campaign1 + "/failed-installations.csv"

	lines := strings.Split(a.Must(http.StatusOK, "GET", path, nil).Body.String(), "\n")
	want := []string{"Device ID;Failure Code;Failure Description", `OEM-d00001;101;"failed; badly"`, `d00002;INSTALL_FAILED;"failed; badly"`}
	if len(lines) != 1202 || fmt.Sprint(lines[:3]) != fmt.Sprint(want) || lines[1200] != `OEM-d01200;INSTALL_FAILED;"failed; badly"` {
		t.Errorf("%d lines beginning %q, ending %q; want the header, 1,200 rows beginning %q", len(lines), lines[:3], lines[1200], want)
	}
	if registry.mostSeen < 2 || registry.mostSeen > 8 {
		t.Errorf("at most %d lookups in flight, want a few at a time (2 to 8)", registry.mostSeen)
	}
	registry.fail = errors.New("registry down")
	apitest.CampaignerErrorOf(t, a.Call("GET", path, acmeKey, nil), http.StatusBadGateway, "remote_service_error")
}
