package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// maxFormValue bounds an upload's text fields: a description of 2,000
// characters of up to four bytes each.
const maxFormValue = 8 << 10

// multipartSlack is what an upload's body may hold beside the file: the
// parts' headers, boundaries and text fields.
const multipartSlack = 1 << 20

// createFirmwareImage takes an image as multipart/form-data (datafile,
// name, description) and answers 201 with it. The file streams into the
// blob store through a SHA-256 and a size count, never held whole in
// memory; past the limit the upload stops with 413 and no blob is left.
func (d Deps) createFirmwareImage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := transferContext(w, r)
	defer cancel()
	account := accountOf(ctx)
	limit, err := d.imageLimit(ctx, account)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, min(limit, math.MaxInt64-multipartSlack)+multipartSlack)
	parts, err := r.MultipartReader()
	if err != nil {
		writeError(w, r, d.Log, domain.InvalidError{Field: "body", Reason: "send multipart/form-data with the image as its datafile part"})
		return
	}
	id := domain.FirmwareImageID(newID(r, "firmware-image"))
	key := "firmware-images/" + string(id)
	spec, err := d.receiveImage(ctx, parts, key, limit)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.FirmwareImages.UploadFirmwareImage(ctx, commands.UploadFirmwareImage{Meta: commandMeta(r), FirmwareImageID: id, Spec: spec})
	if err != nil {
		d.dropBlob(ctx, key)
		writeError(w, r, d.Log, err)
		return
	}
	if err := d.settle(ctx, res.Position); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	img, err := d.FirmwareImageReads.FirmwareImage(ctx, account, id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, firmwareImageObject(r)(img))
}

// imageLimit is the most bytes an image of the account may have: the
// service's maximum or the account's payload limit, the lower; 0 on both
// is no limit.
func (d Deps) imageLimit(ctx context.Context, account domain.AccountID) (int64, error) {
	a, err := d.FirmwareImages.Account(ctx, account)
	if err != nil {
		return 0, err
	}
	limit := int64(math.MaxInt64)
	for _, l := range []int64{d.MaxImageBytes, a.MaxPayloadBytes()} {
		if l > 0 {
			limit = min(limit, l)
		}
	}
	return limit, nil
}

// receiveImage reads the upload's parts, storing the datafile as blob
// key; the name defaults to the file's name. On an error no blob is left.
func (d Deps) receiveImage(ctx context.Context, parts *multipart.Reader, key string, limit int64) (spec domain.FirmwareImageSpec, err error) {
	var file string
	defer func() {
		if err != nil && spec.BlobKey != "" {
			d.dropBlob(ctx, key)
		}
	}()
	for {
		part, err := parts.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return spec, bodyError(err)
		}
		switch part.FormName() {
		case "datafile":
			if spec.BlobKey != "" {
				return spec, domain.InvalidError{Field: "datafile", Reason: "send one file only"}
			}
			file = part.FileName()
			if spec.Checksum, spec.Size, err = d.storeBlob(ctx, key, part, limit); err != nil {
				return spec, err
			}
			spec.BlobKey = key
		case "name":
			spec.Name, err = formValue(part)
		case "description":
			spec.Description, err = formValue(part)
		}
		if err != nil {
			return spec, err
		}
	}
	if spec.BlobKey == "" {
		return spec, domain.InvalidError{Field: "datafile", Reason: "is required: send the image as the datafile part"}
	}
	if spec.Name == "" {
		spec.Name = file
	}
	return spec, nil
}

// storeBlob streams a file into blob key, measuring its SHA-256 and size.
func (d Deps) storeBlob(ctx context.Context, key string, file io.Reader, limit int64) (checksum string, size int64, err error) {
	sum := sha256.New()
	capped := &cappedReader{r: file, left: limit}
	if err := d.Blobs.Put(ctx, key, io.TeeReader(capped, sum)); err != nil {
		if capped.over {
			return "", 0, statusError{http.StatusRequestEntityTooLarge, "request_entity_too_large",
				fmt.Sprintf("the image is larger than the limit of %d bytes", limit)}
		}
		return "", 0, bodyError(err)
	}
	return hex.EncodeToString(sum.Sum(nil)), limit - capped.left, nil
}

// dropBlob deletes the blob of an image that was not recorded. Failing,
// it leaves an orphan blob, which costs space but no image refers to.
func (d Deps) dropBlob(ctx context.Context, key string) {
	if err := d.Blobs.Delete(ctx, key); err != nil {
		d.Log.Warn("orphan blob kept", "blob", key, "error", err)
	}
}

// formValue reads a text field of an upload.
func formValue(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
	if err != nil {
		return "", bodyError(err)
	}
	if len(b) > maxFormValue {
		return "", domain.InvalidError{Field: part.FormName(), Reason: fmt.Sprintf("is longer than %d bytes", maxFormValue)}
	}
	return string(b), nil
}

// bodyError is an error reading the request body: 413 past the body's
// limit (writeError knows *http.MaxBytesError), else a malformed body.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return domain.InvalidError{Field: "body", Reason: fmt.Sprintf("the multipart body cannot be read: %v", err)}
}

// cappedReader reads at most left bytes; one byte more fails the read and
// sets over, so an upload past the limit stops there.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

// errOverLimit fails the read of a byte past the limit.
var errOverLimit = errors.New("the file is larger than the limit")

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < int64(len(p)) {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		c.over, n = true, int(c.left)
		c.left = 0
		return n, errOverLimit
	}
	c.left -= int64(n)
	return n, err
}
