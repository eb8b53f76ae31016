package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// directorWorld is a Director on real HTTP whose reports go to kfake.
type directorWorld struct {
	t        *testing.T
	fleet    otaFleet
	director *director
	client   *ota.Director
	brokers  []string
}

func newDirectorWorld(t *testing.T, o otaConfig) *directorWorld {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, bus.QueueDeviceUpdateReport),
		kfake.ListenFn(func(string, string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps, err := bus.NewKafka(cluster.ListenAddrs(), bus.KafkaConfig{ClientID: "fleetsim-test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ps.Close() })
	if o.Results == nil {
		o.Results = defaultResults()
	}
	w := &directorWorld{t: t, fleet: newOTAFleet(3, []int{200}), brokers: cluster.ListenAddrs()}
	w.director = newDirector(t.Context(), o, 3, w.fleet, bus.NewPublisher(ps), log)
	t.Cleanup(w.director.stop)
	w.client = ota.NewDirector(serveOTA(t, w.fleet, w.director), ota.Options{Retry: ota.Retry{Attempts: 2, Initial: time.Millisecond}})
	return w
}

// devices are the first n devices of the group.
func (w *directorWorld) devices(n int) []domain.DeviceID {
	out := make([]domain.DeviceID, n)
	for i := range out {
		out[i] = domain.DeviceID(w.fleet.deviceID(0, i))
	}
	return out
}

// reports reads n update reports from Kafka with a client of its own,
// failing when they do not come.
func (w *directorWorld) reports(n int) map[string]bus.DeviceUpdateReport {
	w.t.Helper()
	consumer, err := sarama.NewConsumer(w.brokers, sarama.NewConfig())
	if err != nil {
		w.t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(bus.QueueDeviceUpdateReport, 0, sarama.OffsetOldest)
	if err != nil {
		w.t.Fatal(err)
	}
	defer pc.Close()
	out := map[string]bus.DeviceUpdateReport{}
	for len(out) < n {
		select {
		case km := <-pc.Messages():
			var m bus.DeviceUpdateReport
			if err := json.Unmarshal(km.Value, &m); err != nil || m.Validate() != nil || string(km.Key) != string(m.Device) {
				w.t.Fatalf("report %s keyed %q: not a valid report keyed by its device (%v)", km.Value, km.Key, errors.Join(err, m.Validate()))
			}
			out[string(m.Device)] = m
		case <-time.After(20 * time.Second):
			w.t.Fatalf("%d reports of %d came", len(out), n)
		}
	}
	return out
}

func TestTheDirectorReportsEachAffectedDeviceOnKafka(t *testing.T) {
	w := newDirectorWorld(t, otaConfig{Unaffected: 0.2, Latency: time.Millisecond})
	dry, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c1", "u1", w.devices(100), true)
	if err != nil {
		t.Fatal(err)
	}
	affected, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c1", "u1", w.devices(100), false)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(dry, affected) || len(affected) < 60 || len(affected) > 95 {
		t.Fatalf("the dry run affects %d devices and the assignment %d, want the same share of about 80 of 100", len(dry), len(affected))
	}
	reports := w.reports(len(affected))
	outcomes := map[string]int{}
	for _, id := range affected {
		m, ok := reports[string(id)]
		if !ok || m.Namespace != "acme" || m.CorrelationID != "urn:here-ota:campaign:c1" {
			t.Fatalf("device %s: report %+v, want one of acme in campaign c1", id, m)
		}
		outcomes[fmt.Sprintf("%t %q", *m.Result.Success, m.Result.Code)]++
	}
	if len(reports) != len(affected) || outcomes[`true "0"`] == 0 || len(outcomes) < 3 {
		t.Errorf("%d reports for %d affected devices, outcomes %v: want one each, successes and several failure codes", len(reports), len(affected), outcomes)
	}
}

func TestADeviceInARunningAssignmentIsNotAffectedAgainAndCanBeCancelled(t *testing.T) {
	w := newDirectorWorld(t, otaConfig{Latency: time.Hour})
	first, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c1", "u1", w.devices(10), false)
	if err != nil || len(first) != 10 {
		t.Fatalf("first assignment: %v, %v; want all 10 affected", first, err)
	}
	again, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c2", "u1", w.devices(20), false)
	if err != nil || !cmp.Equal(again, w.devices(20)[10:]) {
		t.Fatalf("second assignment: %v, %v; want only the 10 devices not yet assigned", again, err)
	}
	cancelled, err := w.client.Cancel(t.Context(), "acme", append(w.devices(5), "not-a-device"))
	if err != nil || !cmp.Equal(cancelled, w.devices(5)) {
		t.Fatalf("cancel: %v, %v; want the 5 running assignments", cancelled, err)
	}
	third, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c3", "u1", w.devices(10), true)
	if err != nil || !cmp.Equal(third, w.devices(5)) {
		t.Errorf("after the cancel: %v, %v; want the 5 cancelled devices affected again", third, err)
	}
}

func TestTheDirectorFailsCallsAtItsRateAndInItsOutage(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    otaConfig
		want []int // each call's status: 200, or the 503 it failed with
	}{
		{"an outage after two calls", otaConfig{OutageAfter: 2, OutageFor: time.Hour}, []int{200, 200, 503, 503}},
		{"a failure rate of one", otaConfig{FailureRate: 1}, []int{503, 503}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newDirectorWorld(t, tc.o)
			var got []int
			for range tc.want {
				_, err := w.client.Assign(t.Context(), "acme", "urn:here-ota:campaign:c1", "u1", w.devices(1), true)
				var e *ota.Error
				switch {
				case err == nil:
					got = append(got, http.StatusOK)
				case errors.As(err, &e):
					got = append(got, e.Status)
				default:
					t.Fatal(err)
				}
			}
			// The client tries each call twice: an outage call fails both.
			if !slices.Equal(tc.want, got) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

// Given a Director with a record, when it answers a dry run and an
// assignment and reports the affected devices, then the record holds each
// device of the assignment as assigned or unaffected, as answered (the
// dry run records nothing), and each report with its outcome.
func TestTheDirectorRecordsWhatItAnsweredAndReported(t *testing.T) {
	w := newDirectorWorld(t, otaConfig{Unaffected: 0.3, Latency: time.Millisecond})
	var record bytes.Buffer
	w.director.record = newDirectorRecord(&record)
	const corr = "urn:here-ota:campaign:c1"
	if _, err := w.client.Assign(t.Context(), "acme", corr, "u1", w.devices(40), true); err != nil {
		t.Fatal(err)
	}
	affected, err := w.client.Assign(t.Context(), "acme", corr, "u1", w.devices(40), false)
	if err != nil {
		t.Fatal(err)
	}
	reports := w.reports(len(affected))
	w.director.stop() // the record's last lines are written

	want := map[string]string{}
	for _, id := range w.devices(40) {
		want[string(id)] = recordUnaffected
	}
	for _, id := range affected {
		m := reports[string(id)]
		if m.Result.Code == "" {
			m.Result.Code = resultNone
		}
		outcome := map[bool]string{true: resultSuccess, false: m.Result.Code}[*m.Result.Success]
		want[string(id)] = recordAssigned + " " + recordReported + " " + outcome
	}
	got := map[string]string{}
	dec := json.NewDecoder(&record)
	for dec.More() {
		var e directorEvent
		if err := dec.Decode(&e); err != nil || e.Namespace != "acme" || e.CorrelationID != corr {
			t.Fatalf("record line %+v (%v): want one of acme's campaign c1", e, err)
		}
		got[e.Device] = strings.TrimSpace(strings.Join([]string{got[e.Device], e.Event, e.Outcome}, " "))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded per device (-want +got):\n%s", diff)
	}
}
