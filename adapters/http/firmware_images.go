package http

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// FirmwareImageCommands are the image writes and the command side's reads
// the image routes need: *commands.Handlers.
type FirmwareImageCommands interface {
	UploadFirmwareImage(context.Context, commands.UploadFirmwareImage) (commands.Result, error)
	DeleteFirmwareImage(context.Context, commands.DeleteFirmwareImage) (commands.Result, error)
	// FirmwareImage is the image as its stream says: where its blob is.
	FirmwareImage(ctx context.Context, account domain.AccountID, id domain.FirmwareImageID) (*domain.FirmwareImage, error)
	// Account holds the firmware limits an upload is measured against.
	Account(ctx context.Context, account domain.AccountID) (*domain.Account, error)
}

// FirmwareImageReads are the image routes' reads of the read models:
// *projections.Queries.
type FirmwareImageReads interface {
	FirmwareImage(ctx context.Context, account domain.AccountID, id domain.FirmwareImageID) (projections.FirmwareImage, error)
	ListFirmwareImages(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.FirmwareImage], error)
}

// Blobs keeps the images' content: blobfs.Store or s3.Store in the
// service. The contract (internal/blobtest) says what each must do.
type Blobs interface {
	// Put stores what r yields as key, streaming it; nothing shows under
	// key unless all of r was stored.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads key with seeks, for ranges; a missing key matches
	// fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Delete removes key; a missing key is no error.
	Delete(ctx context.Context, key string) error
}

// transferTimeout bounds an image upload or download. Those outlive the
// 30-second limit of the other routes and the server's read and write
// timeouts, so they run on a context and deadlines of their own; a caller
// who goes away still stops them, as the body's reads or the answer's
// writes fail.
const transferTimeout = time.Hour

// transferContext is the context of an image transfer: the request's
// values, without its 30-second deadline, for at most transferTimeout,
// which the connection's deadlines are extended to.
func transferContext(w http.ResponseWriter, r *http.Request) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(transferTimeout)
	rc := http.NewResponseController(w)
	// A writer without deadlines (a test's recorder) has none to extend.
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	return context.WithDeadline(context.WithoutCancel(r.Context()), deadline)
}

// firmwareImageJSON is Pelion's firmware image object.
type firmwareImageJSON struct {
	Object           string    `json:"object"`
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Description      string    `json:"description"`
	Datafile         string    `json:"datafile"`
	DatafileChecksum string    `json:"datafile_checksum"`
	DatafileSize     int64     `json:"datafile_size"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Etag             time.Time `json:"etag"`
}

// firmwareImageObject renders img; its datafile is the download URL on
// the host the request reached. The etag is a date-time, as generated
// Pelion clients type it: the image's last change.
func firmwareImageObject(r *http.Request) func(projections.FirmwareImage) firmwareImageJSON {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return func(img projections.FirmwareImage) firmwareImageJSON {
		return firmwareImageJSON{Object: "firmware-image", ID: string(img.ID), Name: img.Name, Description: img.Description,
			Datafile:         scheme + "://" + r.Host + "/v3/firmware-images/" + string(img.ID) + "/datafile",
			DatafileChecksum: img.Checksum, DatafileSize: img.Size, CreatedAt: utc(img.CreatedAt), UpdatedAt: utc(img.UpdatedAt),
			Etag: utc(img.UpdatedAt)}
	}
}

func firmwareImageID(r *http.Request) domain.FirmwareImageID {
	return domain.FirmwareImageID(chi.URLParam(r, "id"))
}

// getFirmwareImage answers one image of the account.
func (d Deps) getFirmwareImage(w http.ResponseWriter, r *http.Request) {
	img, err := d.FirmwareImageReads.FirmwareImage(r.Context(), accountOf(r.Context()), firmwareImageID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, firmwareImageObject(r)(img))
}

// listFirmwareImages answers a page of the account's images.
func (d Deps) listFirmwareImages(w http.ResponseWriter, r *http.Request) {
	answerList(d, w, r, d.FirmwareImageReads.ListFirmwareImages, firmwareImageObject(r))
}

// deleteFirmwareImage deletes an image, then its blob: 204. A crash
// between the two leaves an orphan blob, never an image without content.
func (d Deps) deleteFirmwareImage(w http.ResponseWriter, r *http.Request) {
	ctx, account, id := r.Context(), accountOf(r.Context()), firmwareImageID(r)
	img, err := d.FirmwareImages.FirmwareImage(ctx, account, id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.FirmwareImages.DeleteFirmwareImage(ctx, commands.DeleteFirmwareImage{Meta: commandMeta(r), FirmwareImageID: id})
	if err == nil {
		if berr := d.Blobs.Delete(ctx, img.Spec().BlobKey); berr != nil {
			d.Log.Warn("firmware image deleted, its blob kept", "image", id, "blob", img.Spec().BlobKey, "error", berr)
		}
	}
	d.answerNoContent(w, r, res, err)
}

// downloadFirmwareImage answers an image's content, with ranges
// (Range, If-Range) and its SHA-256 as the ETag (If-None-Match: 304), as
// http.ServeContent does them.
func (d Deps) downloadFirmwareImage(w http.ResponseWriter, r *http.Request) {
	img, err := d.FirmwareImageReads.FirmwareImage(r.Context(), accountOf(r.Context()), firmwareImageID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	ctx, cancel := transferContext(w, r)
	defer cancel()
	blob, err := d.Blobs.Open(ctx, img.BlobKey)
	if errors.Is(err, fs.ErrNotExist) {
		// The image was deleted after it was read; its blob went after it.
		err = domain.NotFoundError{Object: "firmware image", ID: string(img.ID)}
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	defer blob.Close()
	w.Header().Set("ETag", `"`+img.Checksum+`"`)
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", img.UpdatedAt, blob)
}
