package domain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// imageSum is the SHA-256 of an image's content, in hex.
var imageSum = strings.Repeat("ab", 32)

// imageSpec is a valid spec of image i1.
func imageSpec() FirmwareImageSpec {
	return FirmwareImageSpec{Name: "sensor.bin", Description: "v2", BlobKey: "acc1/i1", Checksum: imageSum, Size: 4096}
}

// imageUploaded is the upload of imageSpec as i1.
func imageUploaded() FirmwareImageUploaded {
	return FirmwareImageUploaded{FirmwareImageID: "i1", AccountID: "acc1", ImageName: "sensor.bin", Description: "v2",
		BlobKey: "acc1/i1", Checksum: imageSum, Size: 4096, At: t0}
}

func TestNewFirmwareImage(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec func(*FirmwareImageSpec)
		then []Event
		err  error
	}{
		{name: "an image is uploaded", spec: func(*FirmwareImageSpec) {}, then: []Event{imageUploaded()}},
		{name: "a blank name is refused", spec: func(s *FirmwareImageSpec) { s.Name = " " }, err: InvalidError{Field: "name"}},
		{name: "a name of 129 characters is refused", spec: func(s *FirmwareImageSpec) { s.Name = strings.Repeat("a", 129) }, err: InvalidError{Field: "name"}},
		{name: "a description of 2001 characters is refused", spec: func(s *FirmwareImageSpec) { s.Description = strings.Repeat("a", 2001) }, err: InvalidError{Field: "description"}},
		{name: "an empty file is refused", spec: func(s *FirmwareImageSpec) { s.Size = 0 }, err: InvalidError{Field: "datafile"}},
		{name: "a checksum that is not SHA-256 hex is refused", spec: func(s *FirmwareImageSpec) { s.Checksum = strings.Repeat("AB", 32) }, err: InvalidError{Field: "datafile_checksum"}},
		{name: "a short checksum is refused", spec: func(s *FirmwareImageSpec) { s.Checksum = "ab12" }, err: InvalidError{Field: "datafile_checksum"}},
		{name: "an image without a blob is refused", spec: func(s *FirmwareImageSpec) { s.BlobKey = "" }, err: InvalidError{Field: "blob_key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := imageSpec()
			tc.spec(&spec)
			img, err := NewFirmwareImage("i1", "acc1", spec, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, img.Changes(), tc.then)
			checkReplay(t, LoadFirmwareImage, img, img.Changes())
		})
	}
}

func TestFirmwareImageDelete(t *testing.T) {
	uploaded := []Event{imageUploaded()}
	del := func(img *FirmwareImage) error { return img.Delete(at(10)) }
	runScenarios(t, LoadFirmwareImage, []scenario[*FirmwareImage]{
		{name: "an image is deleted", given: uploaded, when: del, then: []Event{FirmwareImageDeleted{At: at(10)}}},
		{name: "a deleted image is not found", given: with(uploaded, FirmwareImageDeleted{At: at(1)}), when: del,
			err: NotFoundError{Object: "firmware image", ID: "i1"}},
		{name: "an image never uploaded is not found", when: del, err: NotFoundError{Object: "firmware image"}},
	})
}

func TestFirmwareImageApplyKeepsItsStreamWhole(t *testing.T) {
	for name, history := range map[string][]Event{
		"a second upload":          {imageUploaded(), imageUploaded()},
		"a deletion before upload": {FirmwareImageDeleted{At: t0}},
	} {
		if _, err := LoadFirmwareImage(history); err == nil {
			t.Errorf("loading %s succeeded, want an error", name)
		}
	}
}

func TestFirmwareImageGettersAndStoreRoundTrip(t *testing.T) {
	img, err := NewFirmwareImage("i1", "acc1", imageSpec(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := img.Delete(at(5)); err != nil {
		t.Fatal(err)
	}
	getters := func(img *FirmwareImage) map[string]any {
		return map[string]any{"ID": img.ID(), "AccountID": img.AccountID(), "Spec": img.Spec(), "CreatedAt": img.CreatedAt(), "Deleted": img.Deleted()}
	}
	want := map[string]any{"ID": FirmwareImageID("i1"), "AccountID": AccountID("acc1"), "Spec": imageSpec(), "CreatedAt": t0, "Deleted": true}
	if diff := cmp.Diff(want, getters(img)); diff != "" {
		t.Errorf("getters (-want +got):\n%s", diff)
	}
	loaded, err := LoadFirmwareImage(roundTrip(t, img.Changes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(getters(img), getters(loaded)); diff != "" {
		t.Errorf("getters after loading the stored events (-recorded +loaded):\n%s", diff)
	}
}

func TestAccountAdmitImage(t *testing.T) {
	limited := []Event{AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 2, MaxPayloadBytes: 1000, At: t0}}
	admit := func(size int64) func(*Account) error { return func(a *Account) error { return a.AdmitImage(size) } }
	runScenarios(t, LoadAccount, []scenario[*Account]{
		{name: "an image at the payload limit is admitted without a record", given: limited, when: admit(1000)},
		{name: "an image above the payload limit is refused", given: limited, when: admit(1001),
			err: LimitExceededError{Limit: "max_payload_bytes", Max: 1000}},
		{name: "an account without limits admits any image", when: admit(1 << 40)},
		{name: "a negative size is refused", when: admit(-1), err: InvalidError{Field: "datafile_size"}},
	})
}
