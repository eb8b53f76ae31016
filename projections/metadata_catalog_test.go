package projections_test

import (
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// A catalog change reaches the device's record in its active campaign, and
// only there: a finished update keeps the catalog as it was. Batch size 1
// and one batch for everything must agree.
func TestACatalogChangeReachesTheActiveCampaignRecord(t *testing.T) {
	for _, batch := range []int{1, 1000} {
		f := newFixture(t)
		s := newSim(t)
		registerManifest(s, acme, manifest, "sensor")
		s.register(acme, "d1", "Boiler d1", "sensor")
		s.register(acme, "d2", "Boiler d2", "sensor")
		s.campaign("c1", created(s, acme, "c1", manifest, false))
		s.groups = append(s.groups, []eventstore.AppendRequest{s.enrolment(acme, "d1", "c1", manifest), s.enrolment(acme, "d2", "c1", manifest)})
		s.move(acme, "d2", "c1", domain.UpdateRejected, 0)
		for _, d := range []domain.DeviceID{"d1", "d2"} {
			s.emit(domain.DeviceStream(acme, d), domain.DeviceUpdated{DeviceName: "Renamed " + string(d), Description: "moved",
				DeviceClass: "sensor", Mechanism: "direct", MechanismURL: "https://direct.example/" + string(d), At: s.now()})
		}
		runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: batch}), f.appendAll(t, s.groups))
		assertRows(t, f, "metadata", `SELECT device_id, name, description, mechanism, mechanism_url FROM campaign_device_metadata
			WHERE campaign_id = 'c1' ORDER BY device_id`, []map[string]any{
			{"device_id": "d1", "name": "Renamed d1", "description": "moved", "mechanism": "direct", "mechanism_url": "https://direct.example/d1"},
			{"device_id": "d2", "name": "Boiler d2", "description": "device d2", "mechanism": "connector", "mechanism_url": "coap://d2"},
		})
	}
}
