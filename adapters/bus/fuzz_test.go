package bus

import (
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// decoders decode each queue's payload as its handler does.
var decoders = map[string]func(payload []byte) (Message, error){
	QueueNotificationSubscription: decodeAs[NotificationSubscription],
	QueueAsyncResponse:            decodeAs[AsyncResponse],
	QueueSendManifest:             decodeAs[SendManifest],
	QueueCampaignManager:          decodeAs[CampaignManager],
	QueueCheckManifest:            decodeAs[CheckManifest],
	QueueDeletedManifests:         decodeAs[DeletedManifest],
	QueueDeviceUpdated:            decodeAs[DeviceUpdated],
	QueueLogManifestSentDevices:   decodeAs[LogManifestSentDevices],
	QueueUpdateDeploymentDevice:   decodeAs[UpdateDeploymentDevice],
	QueueUpdateCampaignCache:      decodeAs[UpdateCampaignCache],
	QueueAccountLimits:            decodeAs[AccountLimits],
	QueueFirmwareAccountLimits:    decodeAs[FirmwareAccountLimits],
	QueueApplyFirmwareUpdate:      decodeAs[ApplyFirmwareUpdate],
	QueueStopCampaign:             decodeAs[StopCampaign],
	QueueCampaignDeviceState:      decodeAs[CampaignDeviceState],
	QueueDeviceResourceManager:    decodeAs[DeviceResources],
	QueueCampaignDeviceHeartbeat:  decodeAs[CampaignDeviceHeartbeat],
	QueueDeviceUpdateReport:       decodeAs[DeviceUpdateReport],
	QueueCampaignAccepted:         decodeAs[CampaignAccepted],
	QueueApproveCampaign:          decodeAs[ApproveCampaign],
	QueuePauseCampaign:            decodeAs[PauseCampaign],
	QueueResumeCampaign:           decodeAs[ResumeCampaign],
}

func decodeAs[M Message](payload []byte) (Message, error) {
	var zero M
	return decodeMessage[M](zero.Queue(), payload)
}

// documented are the example payloads of QUEUES.md, by queue.
func documented(f *testing.F) map[string]string {
	doc, err := os.ReadFile("QUEUES.md")
	if err != nil {
		f.Fatal(err)
	}
	line := regexp.MustCompile(`^echo '(.+)' \| kcat -P -b "\$KAFKA_HOST" -t (\S+) -k \S+$`)
	out := map[string]string{}
	for _, l := range strings.Split(string(doc), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			out[m[2]] = m[1]
		}
	}
	return out
}

// hostile are payloads no queue should take, or should take only checked.
var hostile = []string{
	``, `null`, `[]`, `{}`, `{"account_id":"acme"}{}`, `{"account_id":"acme","surprise":1}`, `{"account_id":"ac\u0000me"}`,
	`{"account_id":"acme","campaign_id":"c1","reached":["d1"],"reason":"a\u0000b"}`,
	`{"account_id":"acme","reports":[{"device_id":"d1","campaign_id":"c1","state":"failed","result_code":3,"reason":"\u0007"}]}`,
	`{"account_id":"acme","async_id":"YWNtZQ.c1.ZDE","status":500,"error":"x\u0000"}`,
	`{"account_id":"acme","device_id":"d1","groups":["\u0000"]}`,
	`{"account_id":"acme","device_id":"d1","name":"tab\there"}`,
	`{"account_id":"acme","device_id":"d1","device_class":"` + strings.Repeat("c", 129) + `"}`,
	`{"namespace":"acme","device":"d1","correlationId":"urn:here-ota:campaign:c1","result":{"success":false,"code":"2","description":"\u0000"}}`,
	`{"namespace":"acme","device":"d1","correlationId":"urn:here-ota:campaign:c1","result":{"success":false,"code":"007"}}`,
	`{"namespace":"acme","device":"d1","correlationId":"urn:here-ota:mtu:c1","result":{"success":true,"code":"0"},"ecuReports":{}}`,
	`{"account_id":"acme","reports":[{"async_response":{"async_id":"YWNtZQ.c1.ZDE\n","status":200}}]}`,
}

// A queue's payload is either refused with an InvalidMessageError of that
// queue (the poison queue's reason; never retried), or taken as a message
// that holds only what the domain's rules accept, whose reports the
// command takes, and that the publisher would send as the same payload
// again: a message the command then refused for its text would only be
// logged and acked, never poisoned.
func FuzzQueuePayload(f *testing.F) {
	docs := documented(f)
	for i, q := range Queues {
		if decoders[q.Name] == nil || docs[q.Name] == "" {
			f.Fatalf("queue %s has no decoder or no documented example here", q.Name)
		}
		f.Add(uint8(i), []byte(docs[q.Name]))
		for _, h := range hostile {
			f.Add(uint8(i), []byte(h))
		}
	}
	f.Fuzz(func(t *testing.T, index uint8, payload []byte) {
		queue := Queues[int(index)%len(Queues)].Name
		m, err := decoders[queue](payload)
		if err != nil {
			var invalid *InvalidMessageError
			if !errors.As(err, &invalid) || invalid.Queue != queue || domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("%s %q: %v is not an InvalidMessageError of the queue", queue, payload, err)
			}
			return
		}
		checkStrings(t, queue+" "+string(payload), "", reflect.ValueOf(m))
		if r, ok := m.(interface{ reports() []domain.Report }); ok {
			for _, rep := range r.reports() {
				if err := rep.Validate(); err != nil {
					t.Fatalf("%s %q: the report %+v is refused: %v", queue, payload, rep, err)
				}
			}
		}
		if err := domain.CheckText("key", m.Key(), 1000, false); err != nil || m.Key() == "" {
			t.Fatalf("%s %q: key %q: %v", queue, payload, m.Key(), err)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("%s %q: %v", queue, payload, err)
		}
		m2, err := decoders[queue](again)
		if err != nil {
			t.Fatalf("%s %q: published again as %s, refused: %v", queue, payload, again, err)
		}
		if third, _ := json.Marshal(m2); string(third) != string(again) {
			t.Fatalf("%s %q: published as %s, then as %s", queue, payload, again, third)
		}
	})
}

// freeText are the fields that may hold tabs and line breaks.
var freeText = map[string]bool{"reason": true, "error": true, "description": true}

// maxChars are the catalog's bounds of its fields; maxText bounds the rest.
var maxChars = map[string]int{"name": 128, "device_class": 128, "vendor_id": 128, "groups": 128, "firmware_checksum": 256,
	"mechanism_url": 2048}

// checkStrings fails on any string in v that breaks the text rules.
func checkStrings(t *testing.T, what, field string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		if err := domain.CheckText(field, v.String(), cmp.Or(maxChars[field], maxText), freeText[field]); err != nil {
			t.Fatalf("%s: accepted %s %q: %v", what, field, v.String(), err)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkStrings(t, what, field, v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkStrings(t, what, field, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			checkStrings(t, what, name, v.Field(i))
		}
	default:
	}
}
