package history_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// The campaign reads that take as_of, each answered live at every instant
// the rollout records.
var asOfReads = []string{
	"", "/statistics", "/statistics/fail", "/statistics/fail/event_types", "/statistics/info/event_types",
	"/metrics", "/campaign-device-metadata?limit=1000",
}

// rollout is a recorded campaign: its id, its devices' last states, and
// what the API answered live at several instants.
type rollout struct {
	campaign string
	states   map[domain.DeviceID]domain.UpdateState
	// seen maps each instant to the live answers of the campaign reads
	// (asOfReads under /v3/update-campaigns/{id}, and Campaigner's stats).
	seen map[time.Time]map[string]map[string]any
	// before is an instant before the campaign was created.
	before time.Time
}

// devices of the rollout: two already up to date, the rest updated.
const rolloutDevices = 24

// runRollout registers the devices, creates and starts a campaign through
// the API, and plays the engine's and the devices' part, recording the
// live answers after each step.
func (s *stack) runRollout() *rollout {
	s.t.Helper()
	r := &rollout{states: map[domain.DeviceID]domain.UpdateState{}, seen: map[time.Time]map[string]map[string]any{}}
	var devices []domain.DeviceID
	for i := range rolloutDevices {
		d := domain.DeviceID(fmt.Sprintf("dev-%02d", i))
		devices = append(devices, d)
		s.must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": d, "name": "device " + d, "device_class": "sensor"})
	}
	manifest := s.must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{
		"name": "firmware 2", "device_class": "sensor", "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": "digest-2", "delivered_payload_size": 2048, "timestamp": "20250301T080000Z"})["id"].(string)
	r.before = s.pause()
	r.campaign = s.must(http.StatusCreated, "POST", "/v3/update-campaigns", map[string]any{
		"name": "audited", "root_manifest_id": manifest, "device_filter": "state__eq=registered"})["id"].(string)
	s.must(http.StatusAccepted, "POST", "/v3/update-campaigns/"+r.campaign+"/start", nil)
	c, stream := domain.CampaignID(r.campaign), domain.CampaignStream(domain.CampaignID(r.campaign))
	r.record(s)
	s.engine(stream, domain.CampaignQuotaAllocated{At: time.Now()}, domain.CampaignManifestChecked{ManifestTimestamp: time.Now(), At: time.Now()})
	for page := range 2 {
		batch := domain.CampaignBatchProcessed{Batch: page, Skipped: map[domain.SkipReason]int{}, Last: page == 1}
		for _, d := range devices[page*rolloutDevices/2 : (page+1)*rolloutDevices/2] {
			if d < "dev-02" {
				s.engine(domain.DeviceStream(acme, d), domain.DeviceSkipped{CampaignID: c, Reason: domain.SkipAlreadyUpdated, At: time.Now()})
				r.states[d], batch.Skipped[domain.SkipAlreadyUpdated] = domain.UpdateSkipped, batch.Skipped[domain.SkipAlreadyUpdated]+1
				continue
			}
			s.engine(domain.DeviceStream(acme, d), domain.DeviceEnrolled{CampaignID: c, ManifestID: domain.ManifestID(manifest), At: time.Now()})
			r.states[d] = domain.UpdatePending
			batch.Enrolled++
		}
		batch.Cursor, batch.At = string(devices[(page+1)*rolloutDevices/2-1]), time.Now()
		s.engine(stream, batch)
		r.record(s)
	}
	s.engine(stream, domain.CampaignPublishing{At: time.Now()}, domain.CampaignDeploying{At: time.Now()})
	for _, to := range []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading} {
		r.moveAll(s, devices, to, func(domain.DeviceID) bool { return true })
	}
	r.record(s)
	// Every third device fails with code 7, the others but the last two succeed.
	r.moveAll(s, devices, domain.UpdateInstalling, func(d domain.DeviceID) bool { return d < "dev-22" })
	r.moveAll(s, devices, domain.UpdateFailed, func(d domain.DeviceID) bool { return d[len(d)-1]%3 == 0 })
	r.moveAll(s, devices, domain.UpdateDeployed, func(domain.DeviceID) bool { return true })
	r.record(s)
	s.engine(stream, domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: time.Now()})
	r.moveAll(s, devices, domain.UpdateCancelled, func(domain.DeviceID) bool { return true })
	s.engine(stream, domain.CampaignStopped{State: domain.StateUserStopped, At: time.Now()})
	r.record(s)
	return r
}

// moveAll moves the devices still updating that keep selects to a state.
func (r *rollout) moveAll(s *stack, devices []domain.DeviceID, to domain.UpdateState, keep func(domain.DeviceID) bool) {
	for _, d := range devices {
		from := r.states[d]
		if from == domain.UpdateSkipped || from.Terminal() || !keep(d) || (to == domain.UpdateDeployed && from != domain.UpdateInstalling) {
			continue
		}
		e := domain.DeviceUpdateStateChanged{CampaignID: domain.CampaignID(r.campaign), From: from, To: to, At: time.Now()}
		if to == domain.UpdateFailed {
			e.ResultCode = 7
		}
		s.engine(domain.DeviceStream(acme, d), e)
		r.states[d] = to
	}
}

// record stores the live answers at this instant; events appended after
// it are recorded later.
func (r *rollout) record(s *stack) {
	answers := map[string]map[string]any{"stats": s.get("/api/v2/campaigns/"+r.campaign+"/stats", http.StatusOK)}
	for _, read := range asOfReads {
		answers[read] = s.get("/v3/update-campaigns/"+r.campaign+read, http.StatusOK)
	}
	// One device's record: not found until the device is enrolled.
	record := "/campaign-device-metadata/" + projections.MetadataID(domain.CampaignID(r.campaign), "dev-05")
	if _, enrolled := r.states["dev-05"]; enrolled {
		answers[record] = s.get("/v3/update-campaigns/"+r.campaign+record, http.StatusOK)
	} else {
		s.get("/v3/update-campaigns/"+r.campaign+record, http.StatusNotFound)
		answers[record] = nil
	}
	r.seen[s.pause()] = answers
}

// pause returns now, a little after the last event recorded and before the
// next one.
func (s *stack) pause() time.Time {
	time.Sleep(2 * time.Millisecond)
	at := time.Now()
	time.Sleep(2 * time.Millisecond)
	return at
}

// asOf adds as_of to a read's path.
func asOf(path string, at time.Time) string {
	sep := "?"
	if u, _ := url.Parse(path); u.RawQuery != "" {
		sep = "&"
	}
	return path + sep + "as_of=" + url.QueryEscape(at.UTC().Format(time.RFC3339Nano))
}
