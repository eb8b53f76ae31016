package commands_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

func TestRegisterDevicesWithMixedInput(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "known"), registered(acme, "known", 9))
	f.given(t, domain.DeviceStream(acme, "moved"), registered(acme, "moved", 9))
	moved := sensor
	moved.Groups = []string{"field"}
	pigeon := sensor
	pigeon.Mechanism = "carrier-pigeon"
	verbose := sensor
	verbose.Name = strings.Repeat("n", 129)

	res, err := f.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta("bulk-1"), Devices: []commands.DeviceRegistration{
		{DeviceID: "new", Attributes: sensor},
		{DeviceID: "bad id", Attributes: sensor},
		{DeviceID: "new", Attributes: sensor},
		{DeviceID: "pigeon", Attributes: pigeon},
		{DeviceID: "known", Attributes: sensor},
		{DeviceID: "moved", Attributes: moved},
		{DeviceID: "verbose", Attributes: verbose},
	}})

	ok(t, err)
	if res.Registered != 3 {
		t.Errorf("registered %d, want 3 (new, known, moved)", res.Registered)
	}
	if len(res.Failed) != 4 {
		t.Errorf("failed %v, want indexes 1, 2, 3 and 6", res.Failed)
	}
	for _, i := range []int{1, 2, 3, 6} {
		if err, found := res.Failed[i]; !found {
			t.Errorf("device %d did not fail", i)
		} else {
			wantKind(t, err, domain.KindInvalid)
		}
	}
	f.then(t, domain.DeviceStream(acme, "new"), registered(acme, "new", 0))
	f.then(t, domain.DeviceStream(acme, "pigeon"))
	f.then(t, domain.DeviceStream(acme, "verbose"))
	f.then(t, domain.DeviceStream(acme, "known"), registered(acme, "known", 9))
	f.then(t, domain.DeviceStream(acme, "moved"), registered(acme, "moved", 9),
		domain.DeviceUpdated{DeviceName: "sensor", DeviceClass: "class-a", Vendor: "v1", FirmwareHash: "fw1",
			Groups: []string{"field"}, Mechanism: "connector", At: now})
}

func TestRegisterDevicesInManyChunks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	devices := fleet("dev", 2500)
	appends := 0
	f.hooked.beforeAppend = func(context.Context, []eventstore.AppendRequest) { appends++ }

	res, err := f.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta("bulk-1"), Devices: devices})

	ok(t, err)
	if res.Registered != 2500 || len(res.Failed) != 0 {
		t.Errorf("registered %d, failed %v; want 2500 and none", res.Registered, res.Failed)
	}
	if appends != 3 {
		t.Errorf("%d appends, want 3 of at most 1,000 devices", appends)
	}
	for _, d := range []commands.DeviceRegistration{devices[0], devices[1000], devices[2499]} {
		if got := f.events(t, domain.DeviceStream(acme, d.DeviceID)); len(got) != 1 {
			t.Errorf("device %s has %d events, want 1", d.DeviceID, len(got))
		}
	}
}

// TestRegisterDevicesHandledTwice redelivers a bulk registration after one
// of its devices was updated: the redelivery must not put the old
// attributes back.
func TestRegisterDevicesHandledTwice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bulk := commands.RegisterDevices{Meta: meta("bulk-1"), Devices: fleet("dev", 3)}
	_, err := f.h.RegisterDevices(ctx, bulk)
	ok(t, err)
	renamed := bulk.Devices[1].Attributes
	renamed.Name = "renamed"
	_, err = f.h.UpdateDevice(ctx, commands.UpdateDevice{Meta: meta("upd-1"), DeviceID: bulk.Devices[1].DeviceID, Attributes: renamed})
	ok(t, err)

	res, err := f.h.RegisterDevices(ctx, bulk)

	ok(t, err)
	if res.Registered != 3 {
		t.Errorf("registered %d, want 3", res.Registered)
	}
	for i, want := range []int{1, 2, 1} {
		if got := len(f.events(t, domain.DeviceStream(acme, bulk.Devices[i].DeviceID))); got != want {
			t.Errorf("device %d has %d events, want %d", i, got, want)
		}
	}
}

// TestRegisterDevicesAfterAConcurrentWrite plays a writer registering one
// of the chunk's devices between the chunk's read and its append: the
// chunk is read and decided again, and every device lands.
func TestRegisterDevicesAfterAConcurrentWrite(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	devices := fleet("dev", 3)
	var once sync.Once
	f.hooked.beforeAppend = func(context.Context, []eventstore.AppendRequest) {
		once.Do(func() {
			f.given(t, domain.DeviceStream(acme, devices[1].DeviceID), registered(acme, devices[1].DeviceID, 1))
		})
	}

	res, err := f.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta("bulk-1"), Devices: devices})

	ok(t, err)
	if res.Registered != 3 || len(res.Failed) != 0 {
		t.Errorf("registered %d, failed %v; want 3 and none", res.Registered, res.Failed)
	}
	got := f.events(t, domain.DeviceStream(acme, devices[1].DeviceID))
	if len(got) != 2 || got[1].Name() != "DeviceUpdated" {
		t.Errorf("the contested device holds %v, want the other writer's registration and this command's update", got)
	}
	for _, i := range []int{0, 2} {
		if got := len(f.events(t, domain.DeviceStream(acme, devices[i].DeviceID))); got != 1 {
			t.Errorf("device %d has %d events, want 1", i, got)
		}
	}
}

// BenchmarkRegisterDevices registers batches of 10,000 new devices through
// the handler into Postgres and reports devices per second.
func BenchmarkRegisterDevices(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	const batch = 10000
	total := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		devices := fleet(fmt.Sprintf("b%d-", i), batch)
		b.StartTimer()
		res, err := f.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta(fmt.Sprintf("bench-%d", i)), Devices: devices})
		if err != nil || res.Registered != batch {
			b.Fatalf("registered %d of %d: %v (failed: %d)", res.Registered, batch, err, len(res.Failed))
		}
		total += batch
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "devices/s")
}

// fleet returns n devices with realistic attributes and ids prefix0…
func fleet(prefix string, n int) []commands.DeviceRegistration {
	devices := make([]commands.DeviceRegistration, n)
	for i := range devices {
		devices[i] = commands.DeviceRegistration{
			DeviceID: domain.DeviceID(fmt.Sprintf("%s%06d", prefix, i)),
			Attributes: domain.DeviceAttributes{Name: fmt.Sprintf("sensor %d", i), DeviceClass: "class-a", Vendor: "vendor-1",
				FirmwareHash: "0a1b2c3d4e5f", Groups: []string{"fleet", fmt.Sprintf("rack-%d", i%10)},
				MechanismURL: "http://127.0.0.1:8085"},
		}
	}
	return devices
}
