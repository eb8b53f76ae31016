package projections_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// mixedHistory is a realistic history of two accounts: manifests, devices
// that report resources, change subscription and deregister, and campaigns
// in every phase — one stopped by its user with cancelled devices and then
// archived, one stopped by its manifest's deletion, one still active that
// skipped devices busy elsewhere, a deleted draft, a timed one and an
// approved one. Device updates interleave across devices as live traffic
// does. The same seed gives the same history.
func mixedHistory(t testing.TB, seed uint64, devicesPerAccount int) [][]eventstore.AppendRequest {
	s := newSim(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, account := range []domain.AccountID{"acme", "globex"} {
		c := func(name string) domain.CampaignID { return domain.CampaignID(fmt.Sprintf("%s%s", account, name)) }
		sensors, gateways := domain.ManifestID(string(account)+"-m1"), domain.ManifestID(string(account)+"-m2")
		s.emit(domain.AccountStream(account), domain.AccountCampaignLimitsSet{AccountID: account, MaxActiveCampaigns: 5, At: s.now()})
		registerManifest(s, account, sensors, "sensor")
		registerManifest(s, account, gateways, "gateway")

		var devices []domain.DeviceID
		class := map[domain.DeviceID]string{}
		for i := range devicesPerAccount {
			d := domain.DeviceID(fmt.Sprintf("dev-%04d", i))
			devices, class[d] = append(devices, d), "sensor"
			if i%4 == 3 {
				class[d] = "gateway"
			}
			s.register(account, d, fmt.Sprintf("Device %d", i), class[d], "all", class[d]+"s")
			stream := domain.DeviceStream(account, d)
			switch i % 7 {
			case 1:
				s.emit(stream, domain.DeviceSubscriptionChanged{Subscribed: true, At: s.now()})
			case 2:
				s.emit(stream, domain.DeviceResourcesReported{DeviceClass: class[d], FirmwareHash: "fw-0", At: s.now()})
			case 3:
				s.emit(stream, domain.DeviceUpdated{DeviceName: fmt.Sprintf("Renamed %d", i), DeviceClass: class[d],
					Vendor: "vendor-2", Groups: []string{"all"}, Mechanism: "direct", MechanismURL: "https://x/" + string(d), At: s.now()})
			case 4:
				if i%3 == 0 {
					s.deregister(account, d)
				}
			}
		}

		// A Campaigner update of the sensor firmware, and a campaign of it
		// over a device group, its metadata replaced.
		// Two firmware images, one deleted.
		for _, img := range []domain.FirmwareImageID{domain.FirmwareImageID(string(account) + "i1"), domain.FirmwareImageID(string(account) + "i2")} {
			s.emit(domain.FirmwareImageStream(img), domain.FirmwareImageUploaded{FirmwareImageID: img, AccountID: account,
				ImageName: string(img) + ".bin", BlobKey: string(account) + "/" + string(img), Checksum: "sum-" + string(img), Size: 4096, At: s.now()})
		}
		s.emit(domain.FirmwareImageStream(domain.FirmwareImageID(string(account)+"i2")), domain.FirmwareImageDeleted{At: s.now()})

		// Two webhooks, one deleted.
		for i, hook := range []domain.WebhookID{domain.WebhookID(string(account) + "w1"), domain.WebhookID(string(account) + "w2")} {
			s.emit(domain.WebhookStream(hook), domain.WebhookRegistered{WebhookID: hook, AccountID: account, URL: "https://hooks.example/" + string(hook),
				Secret: "secret", Events: []string{"campaign.stopped"}[:i], At: s.now()})
		}
		s.emit(domain.WebhookStream(domain.WebhookID(string(account)+"w2")), domain.WebhookDeleted{At: s.now()})

		// An upload job of two chunks, completed into an image; one deleted.
		for i, job := range []domain.UploadJobID{domain.UploadJobID(string(account) + "j1"), domain.UploadJobID(string(account) + "j2")} {
			js := domain.UploadJobStream(job)
			s.emit(js, domain.UploadJobCreated{UploadJobID: job, AccountID: account, JobName: string(job) + ".bin", At: s.now()})
			s.emit(js, domain.UploadJobEdited{JobName: string(job) + " v2", Description: "d", At: s.now()})
			for c := range 2 {
				s.emit(js, domain.UploadJobChunkAppended{Chunk: c, Length: 100, Hash: "md5", BlobKey: "k", HashState: []byte{1}, At: s.now()})
			}
			if i == 0 {
				s.emit(js, domain.UploadJobCompleted{FirmwareImageID: domain.FirmwareImageID(string(account) + "i1"), At: s.now()})
			} else {
				s.emit(js, domain.UploadJobDeleted{At: s.now()})
			}
		}

		update := domain.UpdateID(string(account) + "u1")
		s.emit(domain.UpdateStream(update), domain.UpdateCreated{UpdateID: update, AccountID: account, SourceID: string(sensors),
			SourceType: "external", UpdateName: "sensors 2", At: s.now()})
		v2 := created(s, account, c("v2"), sensors, false)
		v2.UpdateID, v2.Groups, v2.ConsentRequired = update, []string{"sensors"}, true
		v2.Metadata = []domain.CampaignMetadata{{Type: domain.MetadataDescription, Value: "v2"}}
		v2edit := domain.CampaignEdited{CampaignName: v2.CampaignName, ManifestID: sensors, DeviceFilter: v2.DeviceFilter,
			Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, UpdateID: update, Groups: v2.Groups,
			ConsentRequired: true, At: s.now()}
		s.campaign(c("v2"), v2, v2edit)

		// A draft deleted, a timed campaign, one approved after a wait.
		s.campaign(c("draft"), created(s, account, c("draft"), sensors, false), domain.CampaignEdited{CampaignName: "draft v2",
			ManifestID: sensors, DeviceFilter: "state__eq=registered", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 90, At: s.now()},
			domain.CampaignDeleted{At: s.now()})
		timed := created(s, account, c("timed"), sensors, false)
		when := s.clock.AddDate(0, 1, 0)
		timed.When = &when
		s.campaign(c("timed"), timed, domain.CampaignStartRequested{Phase: domain.PhaseTimed, At: s.now()})
		s.campaign(c("approved"), created(s, account, c("approved"), sensors, true),
			domain.CampaignStartRequested{Phase: domain.PhaseAwaitingApproval, At: s.now()},
			domain.CampaignApproved{Phase: domain.PhaseStarting, At: s.now()})

		// The main campaign over every sensor, then one over the gateways.
		runCampaign(s, rng, account, c("main"), sensors, devices, func(d domain.DeviceID) domain.SkipReason {
			if class[d] != "sensor" {
				return domain.SkipDeviceClassMismatch
			}
			if rng.Float64() < 0.1 {
				return domain.SkipAlreadyUpdated
			}
			return ""
		})
		// Two devices leave the catalog in the middle of their update.
		left := 0
		for _, d := range devices {
			if s.activeIn(account, d) == c("main") && left < 2 {
				s.deregister(account, d)
				left++
			}
		}
		runCampaign(s, rng, account, c("gw"), gateways, devices, func(d domain.DeviceID) domain.SkipReason {
			if class[d] != "gateway" {
				return domain.SkipDeviceClassMismatch
			}
			return ""
		})
		// A second sensor campaign while the main one still runs: its
		// devices still updating there are skipped.
		runCampaign(s, rng, account, c("second"), sensors, devices, func(d domain.DeviceID) domain.SkipReason {
			if class[d] != "sensor" {
				return domain.SkipDeviceClassMismatch
			}
			return ""
		})

		// The gateway manifest is deleted: its campaign's unfinished
		// devices end as manifestremoved and the campaign stops.
		s.emit(domain.ManifestStream(gateways), domain.ManifestDeleted{At: s.now()})
		s.emit(domain.AccountStream(account), domain.AccountManifestCounted{ManifestID: gateways, Delta: -1, At: s.now()})
		endUnfinished(s, account, c("gw"), devices, domain.UpdateManifestRemoved)
		s.campaign(c("gw"), domain.CampaignStopped{State: domain.StateManifestRemoved, At: s.now()})

		// The user stops the main campaign: its unfinished devices are
		// cancelled, then it is archived.
		s.campaign(c("main"), domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: s.now()})
		endUnfinished(s, account, c("main"), devices, domain.UpdateCancelled)
		s.campaign(c("main"), domain.CampaignStopped{State: domain.StateUserStopped, At: s.now()},
			domain.CampaignArchived{At: s.now()})
		s.emit(domain.AccountStream(account), domain.AccountQuotaReleased{CampaignID: c("main"), At: s.now()})
	}
	return s.groups
}

func registerManifest(s *sim, account domain.AccountID, id domain.ManifestID, class string) {
	s.emit(domain.ManifestStream(id), domain.ManifestRegistered{
		ManifestID: id, AccountID: account, ManifestName: "firmware " + string(id), DeviceClass: class, Vendor: "vendor-1",
		Timestamp: s.now(), SchemaVersion: "3", PayloadType: "full", PayloadURL: "https://fw/" + string(id),
		PayloadDigest: "sha256-" + string(id), PayloadSize: 1 << 20, DatafileURL: "https://m/" + string(id), DatafileSize: 512,
		PrecursorDigest: "cd01", UpdatePriority: 3, ComponentName: "MAIN", PayloadVersion: "1.2.3",
		ParsedRawManifest: []byte(`{"manifest-version": "v3", "manifest": {"payload-size": 1048576}}`),
		File:              []byte("the file of " + id), KeyTable: []byte{0, 1, 2, 0xff}, At: s.now(),
	})
	s.emit(domain.AccountStream(account), domain.AccountManifestCounted{ManifestID: id, Delta: 1, At: s.now()})
}

func created(s *sim, account domain.AccountID, id domain.CampaignID, manifest domain.ManifestID, approval bool) domain.CampaignCreated {
	return domain.CampaignCreated{CampaignID: id, AccountID: account, CampaignName: "campaign " + string(id),
		Description: "updates " + string(manifest), ManifestID: manifest, DeviceFilter: "state__eq=registered",
		Strategy: "one-shot", ApprovalRequired: approval, Autostop: true, AutostopSuccessPercent: 100, At: s.now()}
}

// runCampaign starts a campaign, enrols or skips every device page by
// page, makes it active, and plays each enrolled device's update,
// interleaving the devices.
func runCampaign(s *sim, rng *rand.Rand, account domain.AccountID, id domain.CampaignID, manifest domain.ManifestID,
	devices []domain.DeviceID, skipReason func(domain.DeviceID) domain.SkipReason) {
	s.campaign(id, created(s, account, id, manifest, false), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: s.now()})
	s.emit(domain.AccountStream(account), domain.AccountQuotaReserved{CampaignID: id, At: s.now()})
	s.campaign(id, domain.CampaignQuotaAllocated{At: s.now()}, domain.CampaignManifestChecked{ManifestTimestamp: s.clock, At: s.now()})
	const page = 25
	var enrolled []domain.DeviceID
	for p := 0; p*page < len(devices); p++ {
		batch := domain.CampaignBatchProcessed{Batch: p, Skipped: map[domain.SkipReason]int{}, Cursor: fmt.Sprint((p + 1) * page)}
		var fanout []eventstore.AppendRequest
		for _, d := range devices[p*page : min((p+1)*page, len(devices))] {
			reason := skipReason(d)
			switch {
			case reason != "":
			case s.deregistered[domain.DeviceStream(account, d)]:
				reason = domain.SkipDeregistered
			case s.activeIn(account, d) != "":
				reason = domain.SkipInOtherCampaign
			}
			if reason != "" {
				fanout = append(fanout, s.skip(account, d, id, reason))
				batch.Skipped[reason]++
				continue
			}
			fanout = append(fanout, s.enrolment(account, d, id, manifest))
			enrolled = append(enrolled, d)
			batch.Enrolled++
		}
		batch.Last, batch.At = (p+1)*page >= len(devices), s.now()
		s.groups = append(s.groups, append(fanout, s.request(domain.CampaignStream(id), batch)))
	}
	s.campaign(id, domain.CampaignPublishing{At: s.now()}, domain.CampaignDeploying{At: s.now()})

	paths := map[domain.DeviceID][]domain.UpdateState{}
	codes := map[domain.DeviceID]int{}
	for _, d := range enrolled {
		paths[d], codes[d] = randomPath(rng)
	}
	for step := 0; ; step++ {
		moved := false
		for _, d := range enrolled {
			if step < len(paths[d]) && s.state(account, d, id) != domain.UpdateDeregistered {
				code := 0
				if paths[d][step] == domain.UpdateFailed {
					code = codes[d]
				}
				s.move(account, d, id, paths[d][step], code)
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}

// endUnfinished moves every device still updating in campaign to state.
func endUnfinished(s *sim, account domain.AccountID, campaign domain.CampaignID, devices []domain.DeviceID, to domain.UpdateState) {
	for _, d := range devices {
		if st := s.state(account, d, campaign); st != "" && !st.Terminal() {
			s.move(account, d, campaign, to, 0)
		}
	}
}
