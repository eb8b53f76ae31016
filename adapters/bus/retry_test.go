package bus_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// An async response that comes before its send is recorded is retried,
// not dropped: once the send is recorded, the response applies.
func TestAnAsyncResponseBeforeItsSendIsRetried(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newWorld(t, b, bus.WithRetry(bus.RetryPolicy{First: 50 * time.Millisecond, Max: 200 * time.Millisecond, For: 30 * time.Second}))
			w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
			before := w.last
			go func() {
				time.Sleep(500 * time.Millisecond) // the engine records the send late
				_, _, _ = w.h.RecordManifestsSent(w.ctx, commands.RecordManifestsSent{Meta: meta(acme), CampaignID: campaign, Devices: []domain.DeviceID{dev1}})
			}()
			_, err := w.pub.Send(w.ctx, bus.AsyncResponse{Account: bus.Account{AccountID: acme}, AsyncID: domain.AsyncID(acme, campaign, dev1), Status: ptr(200)})
			if err != nil {
				t.Fatalf("the response failed: %v", err)
			}
			w.eventually("the response applied", func() error {
				for _, r := range w.eventsAfter(before) {
					if strings.Contains(string(r.Data), `"to":"updated_connector_channel"`) {
						return nil
					}
				}
				return errors.New("no delivery recorded")
			})
			if w.retries("handle-async-response") == 0 {
				t.Error("the response applied without a retry: the test did not test the retry")
			}
			if len(w.poison.all()) > 0 {
				t.Error("the response went to the poison queue")
			}
		})
	}
}

// A response whose send is never recorded ends in the poison queue with
// its reason once the retries are spent: kept, never dropped.
func TestRetriesSpentEndInThePoisonQueue(t *testing.T) {
	w := newWorld(t, inProcess, bus.WithRetry(bus.RetryPolicy{First: 10 * time.Millisecond, Max: 20 * time.Millisecond, For: 300 * time.Millisecond}))
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
	_, err := w.pub.Send(w.ctx, bus.AsyncResponse{Account: bus.Account{AccountID: acme}, AsyncID: domain.AsyncID(acme, campaign, dev1), Status: ptr(200)},
		bus.WithCorrelationID("trace-1"))
	if !errors.Is(err, domain.ErrSendNotRecorded) {
		t.Fatalf("got %v, want ErrSendNotRecorded after the retries", err)
	}
	poisoned := w.poison.all()
	if len(poisoned) != 1 {
		t.Fatalf("%d messages in the poison queue, want 1", len(poisoned))
	}
	md := poisoned[0].Metadata
	if md.Get(bus.MetadataOriginalQueue) != bus.QueueAsyncResponse || !strings.Contains(md.Get(bus.MetadataReason), "not recorded yet") ||
		md.Get(bus.MetadataCorrelationID) != "trace-1" {
		t.Errorf("poisoned with metadata %v", md)
	}
	if w.retries("handle-async-response") < 2 {
		t.Errorf("%d retries, want several", w.retries("handle-async-response"))
	}
}

// While a dependency is away, a message whose retries are spent is
// delivered again, not poisoned: once the dependency is back it applies.
func TestRetriesSpentDuringAnOutageAreDeliveredAgain(t *testing.T) {
	w := newWorld(t, inProcess, bus.WithRetry(bus.RetryPolicy{First: 10 * time.Millisecond, Max: 20 * time.Millisecond, For: 100 * time.Millisecond}))
	outage := errors.New("database away")
	w.away.Store(&outage)
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path()})
	go func() {
		time.Sleep(time.Second) // several rounds of retries spent meanwhile
		_, _, _ = w.h.RecordManifestsSent(w.ctx, commands.RecordManifestsSent{Meta: meta(acme), CampaignID: campaign, Devices: []domain.DeviceID{dev1}})
		time.Sleep(300 * time.Millisecond) // a round of retries after the send is recorded applies
		w.away.Store(nil)
	}()
	_, err := w.pub.Send(w.ctx, bus.AsyncResponse{Account: bus.Account{AccountID: acme}, AsyncID: domain.AsyncID(acme, campaign, dev1), Status: ptr(200)})
	if err != nil {
		t.Fatalf("the response failed: %v", err)
	}
	if n := len(w.poison.all()); n > 0 {
		t.Errorf("%d messages in the poison queue, want none", n)
	}
	if w.retries("handle-async-response") < 10 {
		t.Errorf("%d retries: the outage outlasted no round of retries", w.retries("handle-async-response"))
	}
}

// A panic in a handler is recovered, not retried, and poisons the message;
// the router goes on.
func TestAPanicIsRecoveredAndPoisoned(t *testing.T) {
	w := newWorld(t, inProcess)
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(), dev2: path()})
	w.sender.panicOn = dev1
	send := func(d domain.DeviceID) error {
		_, err := w.pub.Send(w.ctx, bus.SendManifest{Account: bus.Account{AccountID: acme}, CampaignID: campaign, DeviceID: d})
		return err
	}
	if err := send(dev1); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("got %v, want the panic", err)
	}
	if err := send(dev2); err != nil {
		t.Errorf("the next message failed: %v", err)
	}
	if n := w.retries("send-manifest"); n > 0 {
		t.Errorf("%d retries of a panic", n)
	}
	if got := len(w.poison.all()); got != 1 {
		t.Errorf("%d messages in the poison queue, want 1", got)
	}
}

// A message delivered again after later ones records nothing the second
// time: its id is its command id. Without that, the redelivered "on"
// below would turn the subscription on again.
func TestARedeliveredMessageRecordsOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newWorld(t, b)
			w.registerDevices(dev1)
			before := w.last
			for _, s := range []struct {
				id string
				on bool
			}{{"sub-1", true}, {"sub-2", false}, {"sub-1", true}} {
				if _, err := w.pub.Send(w.ctx, bus.NotificationSubscription{Account: bus.Account{AccountID: acme}, DeviceID: dev1, Subscribed: &s.on},
					bus.WithMessageID(s.id)); err != nil {
					t.Fatal(err)
				}
			}
			then := w.expect([]streamEvent{
				{domain.DeviceStream(acme, dev1), domain.DeviceSubscriptionChanged{Subscribed: true, At: w.clock.Now()}},
				{domain.DeviceStream(acme, dev1), domain.DeviceSubscriptionChanged{Subscribed: false, At: w.clock.Now()}}})
			w.eventually("three deliveries handled, two changes", func() error {
				if n := w.outcomes("handle-notification-subscription", "ok"); n != 3 {
					return fmt.Errorf("%d handled", n)
				}
				return then(before)
			})
		})
	}
}

func ptr[T any](v T) *T { return &v }
