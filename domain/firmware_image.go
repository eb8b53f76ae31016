package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// FirmwareImage rules (stream firmware-image-<id>):
//
//  1. An image is uploaded once, in one account, with a name of 1–128
//     characters, a description of at most 2,000, its content's size (more
//     than zero bytes) and SHA-256 (64 lowercase hex digits), and the key of
//     the blob holding that content. Its size must be within the account's
//     firmware limits (Account rule 5).
//  2. An image never changes; it is deleted once. A deleted image answers
//     every behaviour as not found. Its blob is deleted only after the
//     deletion is recorded: a crash between the two leaves an orphan blob,
//     never an image without its content.
type FirmwareImage struct {
	root
	id        FirmwareImageID
	account   AccountID
	spec      FirmwareImageSpec
	createdAt time.Time
	deleted   bool
}

// FirmwareImageSpec is what an upload tells about an image: the names the
// user gave and what the service measured while storing its content.
type FirmwareImageSpec struct {
	Name        string
	Description string
	BlobKey     string
	Checksum    string
	Size        int64
}

// NewFirmwareImage records an uploaded image (rule 1). The handler appends
// its one change with NoStream, so a second upload of the id fails.
func NewFirmwareImage(id FirmwareImageID, account AccountID, spec FirmwareImageSpec, now time.Time) (*FirmwareImage, error) {
	const op = "firmwareImage.Upload"
	if err := errors.Join(append([]error{id.Validate(), account.Validate()}, spec.problems()...)...); err != nil {
		return nil, wrap(op, err)
	}
	img := &FirmwareImage{}
	if err := img.record(FirmwareImageUploaded{FirmwareImageID: id, AccountID: account, ImageName: spec.Name,
		Description: spec.Description, BlobKey: spec.BlobKey, Checksum: spec.Checksum, Size: spec.Size, At: now}); err != nil {
		return nil, wrap(op, err)
	}
	return img, nil
}

// LoadFirmwareImage rebuilds an image from its stream's events. An empty
// history gives an image that does not exist.
func LoadFirmwareImage(history []Event) (*FirmwareImage, error) {
	img := &FirmwareImage{}
	if err := img.load(img.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadFirmwareImage: %w", err)
	}
	return img, nil
}

// Delete deletes the image (rule 2).
func (img *FirmwareImage) Delete(now time.Time) error {
	const op = "firmwareImage.Delete"
	if img.id == "" || img.deleted {
		return wrap(op, NotFoundError{Object: "firmware image", ID: string(img.id)})
	}
	return wrap(op, img.record(FirmwareImageDeleted{At: now}))
}

// record applies e and keeps it for appending.
func (img *FirmwareImage) record(e Event) error { return img.recordWith(img.apply, e) }

// apply changes the image's state by one recorded event.
func (img *FirmwareImage) apply(e Event) error {
	switch e := e.(type) {
	case FirmwareImageUploaded:
		if img.id != "" {
			return fmt.Errorf("firmware image: %s uploaded twice", e.FirmwareImageID)
		}
		img.id, img.account, img.createdAt = e.FirmwareImageID, e.AccountID, e.At
		img.spec = FirmwareImageSpec{Name: e.ImageName, Description: e.Description, BlobKey: e.BlobKey, Checksum: e.Checksum, Size: e.Size}
	case FirmwareImageDeleted:
		if img.id == "" {
			return fmt.Errorf("firmware image: cannot apply %s before FirmwareImageUploaded", e.Name())
		}
		img.deleted = true
	default:
		return unknownEvent("firmware image", e)
	}
	return nil
}

// problems checks rule 1 and lists every problem.
func (s FirmwareImageSpec) problems() []error {
	var problems []error
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, InvalidError{Field: "name", Reason: "must not be blank"})
	}
	problems = append(problems, textProblems(textProblem("name", s.Name, 128, oneLine),
		textProblem("description", s.Description, 2000, freeText), textProblem("blob_key", s.BlobKey, 1024, oneLine))...)
	if s.BlobKey == "" {
		problems = append(problems, InvalidError{Field: "blob_key", Reason: "must not be empty"})
	}
	if !isSHA256Hex(s.Checksum) {
		problems = append(problems, InvalidError{Field: "datafile_checksum", Reason: fmt.Sprintf("%q is not a SHA-256 in lowercase hex", s.Checksum)})
	}
	if s.Size <= 0 {
		problems = append(problems, InvalidError{Field: "datafile", Reason: "the file is empty"})
	}
	return problems
}

// isSHA256Hex reports whether s is 64 lowercase hex digits.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ID returns the image's id.
func (img *FirmwareImage) ID() FirmwareImageID { return img.id }

// AccountID returns the account the image belongs to.
func (img *FirmwareImage) AccountID() AccountID { return img.account }

// Spec returns what the upload told and measured.
func (img *FirmwareImage) Spec() FirmwareImageSpec { return img.spec }

// CreatedAt returns when the image was uploaded.
func (img *FirmwareImage) CreatedAt() time.Time { return img.createdAt }

// Deleted reports whether the image was deleted.
func (img *FirmwareImage) Deleted() bool { return img.deleted }
