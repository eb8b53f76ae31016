package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// world writes a history of domain events for the query tests and
// projects it: the read models the queries read come from the runner,
// exactly as in the service.
type world struct {
	t      testing.TB
	f      *fixture
	clock  time.Time
	groups [][]eventstore.AppendRequest
	states map[string]domain.UpdateState // by device stream and campaign
}

func newWorld(t testing.TB) *world {
	return &world{t: t, f: newFixture(t), clock: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), states: map[string]domain.UpdateState{}}
}

// now advances the clock by a second: every event has its own time.
func (w *world) now() time.Time {
	w.clock = w.clock.Add(time.Second)
	return w.clock
}

func (w *world) emit(stream string, events ...domain.Event) {
	w.groups = append(w.groups, []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any, Events: encode(w.t, events...)}})
}

// project appends everything emitted so far and runs the projections to
// its end.
func (w *world) project() *projections.Queries {
	w.t.Helper()
	pos := w.f.appendAll(w.t, w.groups)
	w.groups = nil
	runTo(w.t, projections.NewRunner(w.f.pool, w.f.store, projections.Config{}), pos)
	return projections.NewQueries(w.f.pool)
}

func (w *world) manifest(account domain.AccountID, id domain.ManifestID, class string) {
	w.emit(domain.ManifestStream(id), domain.ManifestRegistered{ManifestID: id, AccountID: account, ManifestName: "fw " + string(id),
		DeviceClass: class, Timestamp: w.now(), PayloadType: "full", PayloadURL: "https://fw.example/" + string(id),
		PayloadDigest: "digest-" + string(id), PayloadSize: 1000, DatafileURL: "https://fw.example/" + string(id) + ".manifest", At: w.now()})
}

func (w *world) firmwareImage(account domain.AccountID, id domain.FirmwareImageID, size int64) {
	w.emit(domain.FirmwareImageStream(id), domain.FirmwareImageUploaded{FirmwareImageID: id, AccountID: account, ImageName: string(id) + ".bin",
		BlobKey: string(account) + "/" + string(id), Checksum: "sum-" + string(id), Size: size, At: w.now()})
}

func (w *world) campaign(account domain.AccountID, id domain.CampaignID, name string, manifest domain.ManifestID, events ...domain.Event) {
	created := domain.CampaignCreated{CampaignID: id, AccountID: account, CampaignName: name, ManifestID: manifest,
		DeviceFilter: "state__eq=registered", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: w.now()}
	w.emit(domain.CampaignStream(id), append([]domain.Event{created}, events...)...)
}

func (w *world) device(account domain.AccountID, id domain.DeviceID, class, firmware string, groups ...string) {
	w.emit(domain.DeviceStream(account, id), domain.DeviceRegistered{AccountID: account, DeviceID: id, DeviceName: "name of " + string(id),
		DeviceClass: class, Vendor: "vendor-1", FirmwareHash: firmware, Groups: groups, Mechanism: "connector",
		MechanismURL: "coap://" + string(id), At: w.now()})
}

func (w *world) enroll(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID) {
	w.states[domain.DeviceStream(account, device)+"|"+string(campaign)] = domain.UpdatePending
	w.emit(domain.DeviceStream(account, device), domain.DeviceEnrolled{CampaignID: campaign, At: w.now()})
}

func (w *world) skip(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, reason domain.SkipReason) {
	w.states[domain.DeviceStream(account, device)+"|"+string(campaign)] = domain.UpdateSkipped
	w.emit(domain.DeviceStream(account, device), domain.DeviceSkipped{CampaignID: campaign, Reason: reason, At: w.now()})
}

// walk moves a device through the states, in order; code is the result
// code of the last step.
func (w *world) walk(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, code int, states ...domain.UpdateState) {
	key := domain.DeviceStream(account, device) + "|" + string(campaign)
	for i, to := range states {
		c := 0
		if i == len(states)-1 {
			c = code
		}
		w.emit(domain.DeviceStream(account, device), domain.DeviceUpdateStateChanged{CampaignID: campaign, From: w.states[key], To: to, ResultCode: c, At: w.now()})
		w.states[key] = to
	}
}

// testCtx is a test's context, cancelled when it ends.
func testCtx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return c
}
