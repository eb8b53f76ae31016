package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// image is the image spec the tests upload.
var image = domain.FirmwareImageSpec{Name: "fw.bin", BlobKey: "acme/i1", Checksum: strings.Repeat("0f", 32), Size: 2000}

// imageUploaded is the event of image id of account.
func imageUploaded(id domain.FirmwareImageID, account domain.AccountID, when int) domain.FirmwareImageUploaded {
	return domain.FirmwareImageUploaded{FirmwareImageID: id, AccountID: account, ImageName: "fw.bin", BlobKey: "acme/i1",
		Checksum: image.Checksum, Size: 2000, At: at(when)}
}

func TestUploadFirmwareImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	upload := func(commandID string, id domain.FirmwareImageID, spec domain.FirmwareImageSpec) error {
		_, err := f.h.UploadFirmwareImage(ctx, commands.UploadFirmwareImage{Meta: meta(commandID), FirmwareImageID: id, Spec: spec})
		return err
	}

	t.Run("an image is recorded", func(t *testing.T) {
		ok(t, upload("i-1", "i1", image))
		f.then(t, domain.FirmwareImageStream("i1"), imageUploaded("i1", acme, 0))
	})
	t.Run("the same command handled twice records its event once", func(t *testing.T) {
		ok(t, upload("i-1", "i1", image))
		f.then(t, domain.FirmwareImageStream("i1"), imageUploaded("i1", acme, 0))
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		wantKind(t, upload("i-2", "i1", image), domain.KindConflict)
	})
	t.Run("an empty file is refused", func(t *testing.T) {
		spec := image
		spec.Size = 0
		wantKind(t, upload("i-3", "i3", spec), domain.KindInvalid)
		f.then(t, domain.FirmwareImageStream("i3"))
	})
}

func TestUploadFirmwareImageOverThePayloadLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.AccountStream(acme), domain.AccountFirmwareLimitsSet{AccountID: acme, MaxPayloadBytes: 1999, At: at(9)})

	_, err := f.h.UploadFirmwareImage(ctx, commands.UploadFirmwareImage{Meta: meta("i-1"), FirmwareImageID: "i1", Spec: image})

	wantKind(t, err, domain.KindForbidden)
	f.then(t, domain.FirmwareImageStream("i1"))
}

func TestDeleteFirmwareImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.FirmwareImageStream("i1"), imageUploaded("i1", acme, 9))
	f.given(t, domain.FirmwareImageStream("g1"), imageUploaded("g1", globex, 9))
	del := func(commandID string, id domain.FirmwareImageID) error {
		_, err := f.h.DeleteFirmwareImage(ctx, commands.DeleteFirmwareImage{Meta: meta(commandID), FirmwareImageID: id})
		return err
	}

	t.Run("another account's image is not found", func(t *testing.T) {
		wantKind(t, del("del-g", "g1"), domain.KindNotFound)
		f.then(t, domain.FirmwareImageStream("g1"), imageUploaded("g1", globex, 9))
	})
	t.Run("the account reads its image before deleting it", func(t *testing.T) {
		img, err := f.h.FirmwareImage(ctx, acme, "i1")
		ok(t, err)
		if got := img.Spec().BlobKey; got != "acme/i1" {
			t.Errorf("blob key = %q, want %q", got, "acme/i1")
		}
	})
	t.Run("an image is deleted", func(t *testing.T) {
		ok(t, del("del-1", "i1"))
		f.then(t, domain.FirmwareImageStream("i1"), imageUploaded("i1", acme, 9), domain.FirmwareImageDeleted{At: now})
	})
	t.Run("a deleted image is not found, to delete or to read", func(t *testing.T) {
		wantKind(t, del("del-2", "i1"), domain.KindNotFound)
		_, err := f.h.FirmwareImage(ctx, acme, "i1")
		wantKind(t, err, domain.KindNotFound)
	})
}
