package bus_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// example is a queue's documented example: what a kcat user pastes.
type example struct {
	queue, key string
	payload    []byte
}

// kcatLine matches the one example line of each queue in QUEUES.md.
var kcatLine = regexp.MustCompile(`^echo '(.+)' \| kcat -P -b "\$KAFKA_HOST" -t (\S+) -k (\S+)$`)

// examples reads the documented examples, by queue.
func examples(t testing.TB) map[string]example {
	t.Helper()
	doc, err := os.ReadFile("QUEUES.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]example{}
	for _, line := range strings.Split(string(doc), "\n") {
		m := kcatLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := out[m[2]]; dup {
			t.Errorf("QUEUES.md has two examples for %s", m[2])
		}
		out[m[2]] = example{queue: m[2], key: m[3], payload: []byte(m[1])}
	}
	return out
}

func TestEveryQueueHasOneDocumentedExample(t *testing.T) {
	docs := examples(t)
	for _, q := range bus.Queues {
		if _, ok := docs[q.Name]; !ok {
			t.Errorf("QUEUES.md has no kcat example for %s", q.Name)
		}
		delete(docs, q.Name)
	}
	for q := range docs {
		t.Errorf("QUEUES.md has an example for %s, which no handler consumes", q)
	}
	doc, _ := os.ReadFile("QUEUES.md")
	for _, name := range bus.Topics() {
		if !strings.Contains(string(doc), "### `"+name+"`") {
			t.Errorf("QUEUES.md has no section for %s", name)
		}
	}
}

func TestHandlerNamesAndConsumerGroupsAreUnique(t *testing.T) {
	names, handlers, groups := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, q := range bus.Queues {
		for _, c := range []struct {
			seen map[string]bool
			name string
		}{{names, q.Name}, {handlers, q.Handler}, {groups, q.ConsumerGroup}} {
			if c.seen[c.name] {
				t.Errorf("%q is used twice", c.name)
			}
			c.seen[c.name] = true
		}
	}
	if len(bus.Queues) != 22 {
		t.Errorf("%d queues, want the 17 original ones, Campaigner's reports and its device events, and the 3 rollout queues", len(bus.Queues))
	}
}

// streamEvent is an event expected on a stream.
type streamEvent struct {
	stream string
	event  domain.Event
}

// queueCase sets up the history a queue's example needs and returns the
// check of its effect, given the position before the example was sent.
type queueCase func(w *world) (then func(before eventstore.Position) error)

// queueCases gives each queue's case, by queue.
var queueCases = map[string]queueCase{
	bus.QueueNotificationSubscription: func(w *world) func(eventstore.Position) error {
		w.registerDevices(dev1)
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceSubscriptionChanged{Subscribed: true, At: w.clock.Now()}}},
			row(`SELECT subscribed::text FROM devices WHERE account_id = 'acme' AND device_id = 'dev-0001'`, "true"))
	},
	bus.QueueAsyncResponse: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled)})
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
			From: domain.UpdateScheduled, To: domain.UpdateUpdatedConnectorChannel, Reason: "manifest delivered",
			AsyncID: domain.AsyncID(acme, campaign, dev1), At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateUpdatedConnectorChannel), counter("updated_connector_channel", 1))
	},
	bus.QueueSendManifest: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
		check := w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
			From: domain.UpdatePending, To: domain.UpdateScheduled, Reason: "manifest sent", AsyncID: domain.AsyncID(acme, campaign, dev1), At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateScheduled))
		return func(before eventstore.Position) error {
			if err := check(before); err != nil {
				return err
			}
			if got, want := w.sender.writes(), []string{domain.AsyncID(acme, campaign, dev1)}; !slices.Equal(got, want) {
				return fmt.Errorf("manifest writes %v, want %v", got, want)
			}
			return nil
		}
	},
	bus.QueueCampaignManager: func(w *world) func(eventstore.Position) error {
		when := w.clock.Now().Add(time.Hour)
		w.draftCampaign(&when)
		w.given(w.h.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta(acme), CampaignID: campaign}))
		w.clock.Add(2 * time.Hour)
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignStarting{At: w.clock.Now()}}},
			row(`SELECT phase || ' ' || state FROM campaigns WHERE id = '`+string(campaign)+`'`, "starting allocatingquota"))
	},
	bus.QueueCheckManifest: func(w *world) func(eventstore.Position) error {
		w.quotaAllocated()
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignManifestChecked{
			ManifestTimestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), At: w.clock.Now()}}},
			row(`SELECT state FROM campaigns WHERE id = '`+string(campaign)+`'`, "checkedmanifest"))
	},
	bus.QueueDeletedManifests: func(w *world) func(eventstore.Position) error {
		w.registerManifest()
		return w.expect([]streamEvent{
			{domain.ManifestStream(manifest), domain.ManifestDeleted{At: w.clock.Now()}},
			{domain.AccountStream(acme), domain.AccountManifestCounted{ManifestID: manifest, Delta: -1, At: w.clock.Now()}}},
			row(`SELECT (deleted_at IS NOT NULL)::text FROM manifests WHERE id = '`+string(manifest)+`'`, "true"))
	},
	bus.QueueDeviceUpdated: func(w *world) func(eventstore.Position) error {
		w.registerDevices(dev1)
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdated{DeviceName: "boiler room sensor",
			DeviceClass: "sensor", Vendor: "acme-devices", FirmwareHash: "old", Groups: []string{"boilers", "floor-1"},
			Mechanism: "connector", At: w.clock.Now()}}},
			row(`SELECT name || ' ' || array_to_string(groups, ',') FROM devices WHERE device_id = 'dev-0001'`, "boiler room sensor boilers,floor-1"))
	},
	bus.QueueLogManifestSentDevices: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(), dev2: path()})
		now := w.clock.Now()
		sent := func(d domain.DeviceID) domain.Event {
			return domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdatePending, To: domain.UpdateScheduled,
				Reason: "manifest sent (logged)", AsyncID: domain.AsyncID(acme, campaign, d), At: now}
		}
		return w.expect([]streamEvent{
			{domain.DeviceStream(acme, dev1), sent(dev1)},
			{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdateScheduled,
				To: domain.UpdateUpdatedConnectorChannel, Reason: "manifest delivered (logged)", AsyncID: domain.AsyncID(acme, campaign, dev1), At: now}},
			{domain.DeviceStream(acme, dev2), sent(dev2)},
			{domain.DeviceStream(acme, dev2), domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdateScheduled,
				To: domain.UpdateFailedConnectorChannelUpdate, Reason: "device offline", AsyncID: domain.AsyncID(acme, campaign, dev2), At: now}}},
			counter("updated_connector_channel", 1), counter("failed_connector_channel_update", 1),
			row(`SELECT count::text FROM campaign_event_types WHERE campaign_id = '`+string(campaign)+`' AND event_type = 'SYS_111'`, "1"))
	},
	bus.QueueUpdateDeploymentDevice: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel)})
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
			From: domain.UpdateUpdatedConnectorChannel, To: domain.UpdateDeployed,
			Reason: "update result 1 reported on deployment-service-update-deployment-device", At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateDeployed), counter("deployed", 1))
	},
	bus.QueueUpdateCampaignCache: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled), dev2: path()})
		w.settle()
		want := w.campaignRows()
		w.exec(`DELETE FROM campaign_device_metadata WHERE device_id = 'dev-0002'`)
		w.exec(`UPDATE campaign_counters SET deployed = 99, pending = 0`)
		w.exec(`UPDATE campaigns SET state = 'deployed'`)
		w.exec(`DELETE FROM campaign_event_types`)
		if diff := cmp.Diff(want, w.campaignRows()); diff == "" {
			w.t.Fatal("the cache was not damaged")
		}
		noEvents := w.expect(nil)
		return func(before eventstore.Position) error {
			if diff := cmp.Diff(want, w.campaignRows()); diff != "" {
				return fmt.Errorf("rebuilt rows differ (-want +got):\n%s", diff)
			}
			return noEvents(before)
		}
	},
	bus.QueueAccountLimits: func(w *world) func(eventstore.Position) error {
		return w.expect([]streamEvent{{domain.AccountStream(acme), domain.AccountCampaignLimitsSet{AccountID: acme, MaxActiveCampaigns: 5, At: w.clock.Now()}}})
	},
	bus.QueueFirmwareAccountLimits: func(w *world) func(eventstore.Position) error {
		return w.expect([]streamEvent{{domain.AccountStream(acme), domain.AccountFirmwareLimitsSet{AccountID: acme, MaxManifests: 100,
			MaxPayloadBytes: 104857600, At: w.clock.Now()}}})
	},
	bus.QueueApplyFirmwareUpdate: func(w *world) func(eventstore.Position) error {
		w.draftCampaign(nil)
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: w.clock.Now()}}},
			row(`SELECT phase FROM campaigns WHERE id = '`+string(campaign)+`'`, "starting"))
	},
	bus.QueueStopCampaign: func(w *world) func(eventstore.Position) error {
		w.quotaAllocated()
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: w.clock.Now()}}},
			row(`SELECT phase FROM campaigns WHERE id = '`+string(campaign)+`'`, "stopping"))
	},
	bus.QueueCampaignDeviceState: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled)})
		reason := "downloading reported on deployment-service-campaign-device-state"
		return w.expect([]streamEvent{
			{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdateScheduled,
				To: domain.UpdateUpdatedConnectorChannel, Reason: "implied by " + reason, At: w.clock.Now()}},
			{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdateUpdatedConnectorChannel,
				To: domain.UpdateDownloading, Reason: reason, At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateDownloading), counter("downloading", 1))
	},
	bus.QueueDeviceResourceManager: func(w *world) func(eventstore.Position) error {
		w.registerDevices(dev1)
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceResourcesReported{FirmwareHash: "5d41402abc4b2a76b9719d911017c592", At: w.clock.Now()}}},
			row(`SELECT device_class || ' ' || firmware_checksum FROM devices WHERE device_id = 'dev-0001'`, "sensor 5d41402abc4b2a76b9719d911017c592"))
	},
	bus.QueueCampaignDeviceHeartbeat: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading)})
		w.settle()
		w.clock.Add(5 * time.Minute)
		return w.expect(nil, row(`SELECT (updated_at = '`+w.clock.Now().Format(time.RFC3339Nano)+`')::text FROM campaign_device_metadata WHERE device_id = 'dev-0001'`, "true"))
	},
	bus.QueueDeviceUpdateReport: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
			domain.UpdateDownloading, domain.UpdateInstalling)})
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
			From: domain.UpdateInstalling, To: domain.UpdateFailed, ResultCode: 19, Reason: "signature check failed", At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateFailed), counter("failed", 1),
			row(`SELECT count::text FROM campaign_event_types WHERE event_type = 'UPD4_FAIL_19'`, "1"))
	},
	bus.QueueCampaignAccepted: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateAwaitingConsent)})
		return w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
			From: domain.UpdateAwaitingConsent, To: domain.UpdateAccepted, Reason: "accepted by its user", At: w.clock.Now()}}},
			metadataState(dev1, domain.UpdateAccepted), counter("accepted", 1),
			row(`SELECT campaigner_status FROM campaign_device_metadata WHERE device_id = 'dev-0001'`, "accepted"))
	},
	bus.QueueApproveCampaign: func(w *world) func(eventstore.Position) error {
		w.draftCampaign(nil)
		approval := true
		w.given(w.h.EditCampaign(w.ctx, commands.EditCampaign{Meta: meta(acme), CampaignID: campaign, Edit: domain.CampaignEdit{ApprovalRequired: &approval}}))
		w.given(w.h.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta(acme), CampaignID: campaign}))
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignApproved{Phase: domain.PhaseStarting, At: w.clock.Now()}}},
			row(`SELECT phase FROM campaigns WHERE id = '`+string(campaign)+`'`, "starting"))
	},
	bus.QueuePauseCampaign: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignPaused{Cause: domain.PausedByUser,
			Reason: "checking the first devices", At: w.clock.Now()}}},
			row(`SELECT paused || ' ' || pause_reason || ' ' || phase || ' ' || state FROM campaigns WHERE id = '`+string(campaign)+`'`,
				"true checking the first devices active deploying"))
	},
	bus.QueueResumeCampaign: func(w *world) func(eventstore.Position) error {
		w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
		w.given(w.h.PauseCampaign(w.ctx, commands.PauseCampaign{Meta: meta(acme), CampaignID: campaign}))
		return w.expect([]streamEvent{{domain.CampaignStream(campaign), domain.CampaignResumed{At: w.clock.Now()}}},
			row(`SELECT paused::text FROM campaigns WHERE id = '`+string(campaign)+`'`, "false"))
	},
}

// TestQueues puts each queue's documented example on the bus, as kcat
// would, and checks the events it records and the read-model rows that
// follow, on both backends.
func TestQueues(t *testing.T) {
	docs := examples(t)
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			for _, q := range bus.Queues {
				t.Run(q.Name, func(t *testing.T) {
					setup, ok := queueCases[q.Name]
					if !ok {
						t.Fatalf("no case for %s", q.Name)
					}
					w := newWorld(t, b)
					then := setup(w)
					before := w.last
					ex := docs[q.Name]
					if err := w.publish(ex.queue, ex.key, ex.payload); err != nil {
						t.Fatalf("the example was refused: %v", err)
					}
					w.eventually("the example's effect", func() error { return then(before) })
					if got := w.poison.all(); len(got) > 0 {
						t.Errorf("the example went to the poison queue: %s", got[0].Metadata.Get(bus.MetadataReason))
					}
				})
			}
		})
	}
}

// rowCheck is a query of one text value and the value it must give.
type rowCheck struct{ sql, want string }

func row(sql, want string) rowCheck { return rowCheck{sql, want} }

func metadataState(d domain.DeviceID, s domain.UpdateState) rowCheck {
	return row(`SELECT update_state FROM campaign_device_metadata WHERE campaign_id = '`+string(campaign)+`' AND device_id = '`+string(d)+`'`, string(s))
}

func counter(column string, n int) rowCheck {
	return row(fmt.Sprintf(`SELECT %s::text FROM campaign_counters WHERE campaign_id = '%s'`, column, campaign), fmt.Sprint(n))
}

// expect returns the check that exactly the events want were recorded
// after the position given, by stream, each with the message's metadata,
// and that once the read models reflect them the rows say what they must.
func (w *world) expect(want []streamEvent, rows ...rowCheck) func(before eventstore.Position) error {
	return func(before eventstore.Position) error {
		recorded := w.eventsAfter(before)
		got, wantBy := map[string][]domain.Event{}, map[string][]domain.Event{}
		for _, r := range recorded {
			e, err := domain.DecodeEvent(r.Type, r.Data)
			if err != nil {
				return err
			}
			if r.Metadata.AccountID != string(acme) || r.Metadata.CausationID == "" || r.Metadata.CorrelationID == "" {
				return fmt.Errorf("event %s at %s on %s (%s) has metadata %+v, want account acme, a causation and a correlation id", r.Type, r.Position, r.Stream, r.Data, r.Metadata)
			}
			got[r.Stream] = append(got[r.Stream], e)
		}
		for _, se := range want {
			wantBy[se.stream] = append(wantBy[se.stream], se.event)
		}
		if diff := cmp.Diff(wantBy, got, cmpopts.EquateEmpty()); diff != "" {
			return fmt.Errorf("events (-want +got):\n%s", diff)
		}
		if len(recorded) > 0 {
			ctx, cancel := context.WithTimeout(w.ctx, wait)
			defer cancel()
			if err := w.runner.WaitFor(ctx, recorded[len(recorded)-1].Position); err != nil {
				return err
			}
		}
		for _, r := range rows {
			var got string
			if err := w.pool.QueryRow(w.ctx, r.sql).Scan(&got); err != nil {
				return fmt.Errorf("%s: %w", r.sql, err)
			}
			if got != r.want {
				return fmt.Errorf("%s gives %q, want %q", r.sql, got, r.want)
			}
		}
		return nil
	}
}

// exec runs a statement on the read models.
func (w *world) exec(sql string) {
	w.t.Helper()
	if _, err := w.pool.Exec(w.ctx, sql); err != nil {
		w.t.Fatal(err)
	}
}

// campaignRows dumps every read-model row of the campaign.
func (w *world) campaignRows() map[string][]map[string]any {
	w.t.Helper()
	out := map[string][]map[string]any{}
	for table, q := range map[string]string{
		"campaigns":                `SELECT * FROM campaigns WHERE id = $1`,
		"campaign_counters":        `SELECT * FROM campaign_counters WHERE campaign_id = $1`,
		"campaign_device_metadata": `SELECT * FROM campaign_device_metadata WHERE campaign_id = $1 ORDER BY id`,
		"campaign_statistics":      `SELECT * FROM campaign_statistics WHERE campaign_id = $1 ORDER BY summary_status`,
		"campaign_event_types":     `SELECT * FROM campaign_event_types WHERE campaign_id = $1 ORDER BY summary_status, event_type`,
	} {
		rows, err := w.pool.Query(w.ctx, q, campaign)
		if err != nil {
			w.t.Fatal(err)
		}
		maps, err := collectMaps(rows)
		if err != nil {
			w.t.Fatal(err)
		}
		out[table] = maps
	}
	return out
}
