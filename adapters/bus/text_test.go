package bus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
)

// A text the domain's rules refuse (a NUL, a control character in a
// one-line field, a class longer than the catalog takes) makes the message
// invalid, so it lands in the poison queue with its reason: before, the
// queue took it and the command's refusal was only logged and acked.
func TestTextTheDomainRefusesIsPoisoned(t *testing.T) {
	w := newWorld(t, inProcess)
	for _, tc := range []struct{ name, queue, payload string }{
		{"a NUL in an async response's error", bus.QueueAsyncResponse,
			`{"account_id":"acme","async_id":"YWNtZQ.c1.ZDE","status":500,"error":"x\u0000"}`},
		{"a NUL in the reason unreached devices were not reached", bus.QueueLogManifestSentDevices,
			`{"account_id":"acme","campaign_id":"c1","not_reached":["d1"],"reason":"a\u0000b"}`},
		{"a NUL in a device group", bus.QueueDeviceUpdated, `{"account_id":"acme","device_id":"d1","groups":["\u0000"]}`},
		{"a tab in a device name", bus.QueueDeviceUpdated, `{"account_id":"acme","device_id":"d1","name":"a\tb"}`},
		{"a class longer than the catalog takes", bus.QueueDeviceResourceManager,
			`{"account_id":"acme","device_id":"d1","device_class":"` + strings.Repeat("c", 129) + `"}`},
		{"a NUL in Campaigner's description", bus.QueueDeviceUpdateReport,
			`{"namespace":"acme","device":"d1","correlationId":"urn:here-ota:campaign:c1","result":{"success":false,"code":"2","description":"\u0000"}}`},
		{"a line break in Campaigner's result code", bus.QueueDeviceUpdateReport,
			`{"namespace":"acme","device":"d1","correlationId":"urn:here-ota:campaign:c1","result":{"success":false,"code":"A\nB"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.poison.all())
			err := w.publish(tc.queue, "d1", []byte(tc.payload))
			var invalid *bus.InvalidMessageError
			if !errors.As(err, &invalid) {
				t.Fatalf("publish: %v, want an InvalidMessageError", err)
			}
			w.eventually("the message in the poison queue", func() error {
				if n := len(w.poison.all()); n != before+1 {
					return errors.New("not poisoned")
				}
				return nil
			})
		})
	}
}
