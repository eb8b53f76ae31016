package domain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// manifestSpec is a valid spec of manifest m1.
func manifestSpec() ManifestSpec {
	return ManifestSpec{Name: "sensor v2", DeviceClass: "sensor", Vendor: "acme", Timestamp: at(-60),
		PayloadURL: "https://fw.example.com/v2.bin", PayloadDigest: "ab12", PayloadSize: 1024}
}

// manifestRegistered is the registration of manifestSpec as m1.
func manifestRegistered() ManifestRegistered {
	return ManifestRegistered{ManifestID: "m1", AccountID: "acc1", ManifestName: "sensor v2", DeviceClass: "sensor",
		Vendor: "acme", Timestamp: at(-60), PayloadType: "full", PayloadURL: "https://fw.example.com/v2.bin",
		PayloadDigest: "ab12", PayloadSize: 1024, At: t0}
}

func TestNewManifest(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec func(*ManifestSpec)
		then []Event
		err  error
	}{
		{name: "a full payload is the default", spec: func(*ManifestSpec) {}, then: []Event{manifestRegistered()}},
		{name: "a delta payload is recorded", spec: func(s *ManifestSpec) { s.PayloadType = PayloadDelta },
			then: []Event{func() Event { e := manifestRegistered(); e.PayloadType = "delta"; return e }()}},
		{name: "an empty payload is allowed", spec: func(s *ManifestSpec) { s.PayloadSize = 0 },
			then: []Event{func() Event { e := manifestRegistered(); e.PayloadSize = 0; return e }()}},
		{name: "a blank name is refused", spec: func(s *ManifestSpec) { s.Name = " " }, err: InvalidError{Field: "name"}},
		{name: "a name of 129 characters is refused", spec: func(s *ManifestSpec) { s.Name = strings.Repeat("a", 129) }, err: InvalidError{Field: "name"}},
		{name: "a description of 2001 characters is refused", spec: func(s *ManifestSpec) { s.Description = strings.Repeat("a", 2001) }, err: InvalidError{Field: "description"}},
		{name: "a missing device class is refused", spec: func(s *ManifestSpec) { s.DeviceClass = "" }, err: InvalidError{Field: "device_class"}},
		{name: "a relative payload URL is refused", spec: func(s *ManifestSpec) { s.PayloadURL = "/v2.bin" }, err: InvalidError{Field: "delivered_payload_url"}},
		{name: "a missing payload URL is refused", spec: func(s *ManifestSpec) { s.PayloadURL = "" }, err: InvalidError{Field: "delivered_payload_url"}},
		{name: "a missing digest is refused", spec: func(s *ManifestSpec) { s.PayloadDigest = "" }, err: InvalidError{Field: "delivered_payload_digest"}},
		{name: "a negative size is refused", spec: func(s *ManifestSpec) { s.PayloadSize = -1 }, err: InvalidError{Field: "delivered_payload_size"}},
		{name: "an unknown payload type is refused", spec: func(s *ManifestSpec) { s.PayloadType = "patch" }, err: InvalidError{Field: "delivered_payload_type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := manifestSpec()
			tc.spec(&spec)
			m, err := NewManifest("m1", "acc1", spec, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, m.Changes(), tc.then)
			checkReplay(t, LoadManifest, m, m.Changes())
		})
	}
}

func TestManifestDelete(t *testing.T) {
	registered := []Event{manifestRegistered()}
	del := func(m *Manifest) error { return m.Delete(at(10)) }
	runScenarios(t, LoadManifest, []scenario[*Manifest]{
		{name: "a manifest is deleted", given: registered, when: del, then: []Event{ManifestDeleted{At: at(10)}}},
		{name: "a deleted manifest is not found", given: with(registered, ManifestDeleted{At: at(1)}), when: del,
			err: NotFoundError{Object: "manifest", ID: "m1"}},
		{name: "a manifest never registered is not found", when: del, err: NotFoundError{Object: "manifest"}},
	})
}

func TestManifestApplyKeepsItsStreamWhole(t *testing.T) {
	for name, history := range map[string][]Event{
		"a second registration":          {manifestRegistered(), manifestRegistered()},
		"a deletion before registration": {ManifestDeleted{At: t0}},
	} {
		if _, err := LoadManifest(history); err == nil {
			t.Errorf("loading %s succeeded, want an error", name)
		}
	}
}

// manifestGetters reads every getter of a manifest.
func manifestGetters(m *Manifest) map[string]any {
	return map[string]any{
		"ID": m.ID(), "AccountID": m.AccountID(), "Spec": m.Spec(), "Name": m.Name(), "Description": m.Description(),
		"DeviceClass": m.DeviceClass(), "Vendor": m.Vendor(), "Timestamp": m.Timestamp(), "SchemaVersion": m.SchemaVersion(),
		"PayloadType": m.PayloadType(), "PayloadURL": m.PayloadURL(), "PayloadDigest": m.PayloadDigest(),
		"PayloadSize": m.PayloadSize(), "DatafileURL": m.DatafileURL(), "DatafileSize": m.DatafileSize(),
		"KeyTableURL": m.KeyTableURL(), "CreatedAt": m.CreatedAt(), "Deleted": m.Deleted(), "DeletedAt": m.DeletedAt(),
	}
}

func TestManifestGettersAndStoreRoundTrip(t *testing.T) {
	spec := manifestSpec()
	spec.Description, spec.SchemaVersion, spec.DatafileURL, spec.DatafileSize, spec.KeyTableURL = "second", "1.5", "https://fw.example.com/m", 300, "https://fw.example.com/k"
	m, err := NewManifest("m1", "acc1", spec, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(at(5)); err != nil {
		t.Fatal(err)
	}
	wantSpec := spec
	wantSpec.PayloadType = PayloadFull
	want := map[string]any{
		"ID": ManifestID("m1"), "AccountID": AccountID("acc1"), "Spec": wantSpec, "Name": "sensor v2", "Description": "second",
		"DeviceClass": "sensor", "Vendor": "acme", "Timestamp": at(-60), "SchemaVersion": "1.5",
		"PayloadType": PayloadFull, "PayloadURL": "https://fw.example.com/v2.bin", "PayloadDigest": "ab12",
		"PayloadSize": int64(1024), "DatafileURL": "https://fw.example.com/m", "DatafileSize": int64(300),
		"KeyTableURL": "https://fw.example.com/k", "CreatedAt": t0, "Deleted": true, "DeletedAt": at(5),
	}
	if diff := cmp.Diff(want, manifestGetters(m)); diff != "" {
		t.Errorf("getters (-want +got):\n%s", diff)
	}
	loaded, err := LoadManifest(roundTrip(t, m.Changes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(manifestGetters(m), manifestGetters(loaded)); diff != "" {
		t.Errorf("getters after loading the stored events (-recorded +loaded):\n%s", diff)
	}
}
