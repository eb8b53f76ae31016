package http

import (
	"bytes"
	"context"
	"crypto/md5" // Content-MD5 is the client's integrity check, not security
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// uploadInfoJSON is Pelion's upload-info object: one chunk of a job. Its
// hash is the chunk's MD5 in base64, as a Content-MD5 header carries it.
type uploadInfoJSON struct {
	Object      string    `json:"object"`
	ID          int       `json:"id"`
	Length      int64     `json:"length"`
	Hash        string    `json:"hash"`
	UploadJobID string    `json:"upload_job_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Etag        time.Time `json:"etag"`
}

func uploadInfoObject(c projections.UploadJobChunk) uploadInfoJSON {
	at := utc(c.CreatedAt)
	return uploadInfoJSON{Object: "upload-info", ID: c.Chunk, Length: c.Length, Hash: c.Hash, UploadJobID: string(c.UploadJobID),
		CreatedAt: at, UpdatedAt: at, Etag: at}
}

// emptyMD5 is the MD5 of no bytes, the hash of a completing chunk.
var emptyMD5 = base64.StdEncoding.EncodeToString(md5.New().Sum(nil))

// postUploadJobChunk appends the body, raw bytes of a known
// Content-Length, to a job as its next chunk: 201 with it. The chunk
// streams into its own blob through an MD5 (checked against Content-MD5
// when sent) and the image's running SHA-256, resumed from the state the
// last chunk saved; no chunk is held in memory. A chunk of zero bytes
// completes the job instead. A chunk is appended as the next one unless
// the client numbers it with X-Chunk-Id (see numberedChunk).
func (d Deps) postUploadJobChunk(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := transferContext(w, r)
	defer cancel()
	account, id := accountOf(ctx), uploadJobID(r)
	job, err := d.UploadJobs.UploadJob(ctx, account, id)
	var resent bool
	if err == nil {
		resent, err = d.numberedChunk(ctx, w, r, job)
	}
	if resent {
		return
	}
	if err == nil && job.FirmwareImageID() != "" {
		err = domain.ConflictError{Reason: fmt.Sprintf("upload job %s is complete: it takes no more chunks", id)}
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if r.ContentLength == 0 {
		d.completeUploadJob(ctx, w, r, job)
		return
	}
	chunk, err := d.receiveChunk(ctx, r, job)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.UploadJobs.AppendUploadJobChunk(ctx, commands.AppendUploadJobChunk{Meta: commandMeta(r), UploadJobID: id, Chunk: chunk})
	if err != nil {
		d.dropBlob(ctx, chunk.BlobKey)
		writeError(w, r, d.Log, err)
		return
	}
	var c projections.UploadJobChunk
	if err = d.settle(ctx, res.Position); err == nil {
		c, err = d.UploadJobReads.UploadJobChunk(ctx, account, id, chunk.Number)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadInfoObject(c))
}

// chunkIDHeader numbers a chunk, so that sending it again after a lost
// answer does not append it twice.
const chunkIDHeader = "X-Chunk-Id"

// numberedChunk handles a chunk numbered with X-Chunk-Id. A number past
// the next chunk's is a conflict; the next chunk's is appended as any. A
// recorded chunk's number is a resend: it answers 201 with the recorded
// chunk when the bytes are the same (the same length and MD5: Content-MD5,
// or the body read through an MD5), and a conflict when they are not.
// resent says the answer was written.
func (d Deps) numberedChunk(ctx context.Context, w http.ResponseWriter, r *http.Request, job *domain.UploadJob) (resent bool, err error) {
	h := r.Header.Get(chunkIDHeader)
	if h == "" {
		return false, nil
	}
	n, err := strconv.Atoi(h)
	chunks := job.Chunks()
	switch {
	case err != nil || n < 0:
		return false, domain.InvalidError{Field: chunkIDHeader, Reason: fmt.Sprintf("%q is not a chunk number", h)}
	case n > len(chunks):
		return false, domain.ConflictError{Reason: fmt.Sprintf("upload job %s expects chunk %d, not %d", job.ID(), len(chunks), n)}
	case n == len(chunks):
		return false, nil
	}
	sum, err := contentMD5(r)
	if err == nil && sum == nil {
		md := md5.New()
		if _, err = io.Copy(md, r.Body); err != nil {
			return false, domain.InvalidError{Field: "body", Reason: fmt.Sprintf("the body cannot be read: %v", err)}
		}
		sum = md.Sum(nil)
	}
	if err != nil {
		return false, err
	}
	if r.ContentLength != chunks[n].Length || base64.StdEncoding.EncodeToString(sum) != chunks[n].Hash {
		return false, domain.ConflictError{Reason: fmt.Sprintf("chunk %d of upload job %s is recorded with other bytes", n, job.ID())}
	}
	c, err := d.UploadJobReads.UploadJobChunk(ctx, job.AccountID(), job.ID(), n)
	if err != nil {
		return false, err
	}
	writeJSON(w, http.StatusCreated, uploadInfoObject(c))
	return true, nil
}

// receiveChunk stores the body as the job's next chunk, measured. A chunk
// past the image limits is refused before a byte is read; on an error no
// blob is left.
func (d Deps) receiveChunk(ctx context.Context, r *http.Request, job *domain.UploadJob) (domain.UploadChunk, error) {
	if r.ContentLength < 0 {
		return domain.UploadChunk{}, statusError{http.StatusLengthRequired, "length_required", "send the chunk with its Content-Length"}
	}
	want, err := contentMD5(r)
	if err != nil {
		return domain.UploadChunk{}, err
	}
	limit, err := d.imageLimit(ctx, job.AccountID())
	if err != nil {
		return domain.UploadChunk{}, err
	}
	if r.ContentLength > limit-job.Size() {
		return domain.UploadChunk{}, statusError{http.StatusRequestEntityTooLarge, "request_entity_too_large",
			fmt.Sprintf("the image would be larger than the limit of %d bytes", limit)}
	}
	sum, err := resumeHash(job)
	if err != nil {
		return domain.UploadChunk{}, err
	}
	n := len(job.Chunks())
	// A key of its own per attempt: a chunk sent twice at once never
	// overwrites the blob of the one recorded.
	c := domain.UploadChunk{Number: n, Length: r.ContentLength, BlobKey: fmt.Sprintf("upload-jobs/%s/%d-%s", job.ID(), n, newID(r, "chunk"))}
	md := md5.New()
	if err := d.Blobs.Put(ctx, c.BlobKey, io.TeeReader(r.Body, io.MultiWriter(md, sum))); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return c, domain.InvalidError{Field: "body", Reason: fmt.Sprintf("the body ended before its Content-Length of %d bytes", r.ContentLength)}
		}
		return c, fmt.Errorf("storing chunk %d of upload job %s: %w", n, job.ID(), err)
	}
	if got := md.Sum(nil); want != nil && !bytes.Equal(got, want) {
		d.dropBlob(ctx, c.BlobKey)
		return c, domain.InvalidError{Field: "Content-MD5", Reason: fmt.Sprintf("the chunk's MD5 is %s, not the %s sent",
			base64.StdEncoding.EncodeToString(got), base64.StdEncoding.EncodeToString(want))}
	}
	c.Hash = base64.StdEncoding.EncodeToString(md.Sum(nil))
	if c.HashState, err = marshalHash(sum); err != nil {
		d.dropBlob(ctx, c.BlobKey)
		return c, err
	}
	return c, nil
}

// contentMD5 is the request's Content-MD5 (base64 of 16 bytes), or nil.
func contentMD5(r *http.Request) ([]byte, error) {
	h := r.Header.Get("Content-MD5")
	if h == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(h)
	if err != nil || len(sum) != md5.Size {
		return nil, domain.InvalidError{Field: "Content-MD5", Reason: fmt.Sprintf("%q is not the base64 of an MD5", h)}
	}
	return sum, nil
}

// resumeHash is the image's SHA-256 as the job's last chunk left it.
func resumeHash(job *domain.UploadJob) (hash.Hash, error) {
	sum := sha256.New()
	chunks := job.Chunks()
	if len(chunks) == 0 {
		return sum, nil
	}
	u, ok := sum.(encoding.BinaryUnmarshaler)
	if !ok {
		return nil, errors.New("sha256 cannot resume its state")
	}
	if err := u.UnmarshalBinary(chunks[len(chunks)-1].HashState); err != nil {
		return nil, fmt.Errorf("upload job %s: the hash state of chunk %d: %w", job.ID(), len(chunks)-1, err)
	}
	return sum, nil
}

// marshalHash is sum's state, for the next chunk to resume.
func marshalHash(sum hash.Hash) ([]byte, error) {
	m, ok := sum.(encoding.BinaryMarshaler)
	if !ok {
		return nil, errors.New("sha256 cannot save its state")
	}
	return m.MarshalBinary()
}

// completeUploadJob makes the job's chunks its image: the chunks are
// composed into the image's blob, its SHA-256 finished from the last
// chunk's state, the image recorded, and then the chunks' blobs deleted.
// 201 with an upload-info of the completing, empty chunk.
func (d Deps) completeUploadJob(ctx context.Context, w http.ResponseWriter, r *http.Request, job *domain.UploadJob) {
	sum, err := resumeHash(job)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	image := domain.FirmwareImageID(newID(r, "firmware-image"))
	key := "firmware-images/" + string(image)
	if err := d.composeChunks(ctx, key, job); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.UploadJobs.CompleteUploadJob(ctx, commands.CompleteUploadJob{Meta: commandMeta(r), UploadJobID: job.ID(),
		FirmwareImageID: image, BlobKey: key, Checksum: hex.EncodeToString(sum.Sum(nil))})
	if err != nil {
		d.dropBlob(ctx, key)
		writeError(w, r, d.Log, err)
		return
	}
	d.dropChunks(ctx, job)
	var done projections.UploadJob
	if err = d.settle(ctx, res.Position); err == nil {
		done, err = d.UploadJobReads.UploadJob(ctx, job.AccountID(), job.ID())
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadInfoObject(projections.UploadJobChunk{UploadJobID: job.ID(), Chunk: len(job.Chunks()),
		Hash: emptyMD5, CreatedAt: done.UpdatedAt}))
}

// composeChunks stores the job's chunks, in order, as blob key: streamed
// through the service one chunk at a time, on every blob store alike. (S3
// could compose server-side, but only from parts of 5 MiB but the last,
// and a client chooses its chunks' sizes.)
func (d Deps) composeChunks(ctx context.Context, key string, job *domain.UploadJob) error {
	parts := &blobsReader{ctx: ctx, blobs: d.Blobs, chunks: job.Chunks()}
	defer parts.Close()
	if err := d.Blobs.Put(ctx, key, parts); err != nil {
		return fmt.Errorf("composing upload job %s into %s: %w", job.ID(), key, err)
	}
	return nil
}

// blobsReader reads the chunks' blobs one after the other, each opened
// when the one before it ends.
type blobsReader struct {
	ctx    context.Context
	blobs  Blobs
	chunks []domain.UploadChunk
	cur    io.ReadCloser
}

func (b *blobsReader) Read(p []byte) (int, error) {
	for {
		if b.cur == nil {
			if len(b.chunks) == 0 {
				return 0, io.EOF
			}
			rc, err := b.blobs.Open(b.ctx, b.chunks[0].BlobKey)
			if err != nil {
				return 0, fmt.Errorf("chunk %d: %w", b.chunks[0].Number, err)
			}
			b.cur, b.chunks = rc, b.chunks[1:]
		}
		n, err := b.cur.Read(p)
		if errors.Is(err, io.EOF) {
			err = b.Close()
			if n > 0 || err != nil {
				return n, err
			}
			continue
		}
		return n, err
	}
}

// Close closes the blob being read, if any.
func (b *blobsReader) Close() error {
	if b.cur == nil {
		return nil
	}
	err := b.cur.Close()
	b.cur = nil
	return err
}

// listUploadJobChunks answers a page of a job's chunks.
func (d Deps) listUploadJobChunks(w http.ResponseWriter, r *http.Request) {
	ctx, account, id := r.Context(), accountOf(r.Context()), uploadJobID(r)
	req, err := projections.ParseListRequest(r.URL.Query())
	if err == nil {
		_, err = d.UploadJobReads.UploadJob(ctx, account, id) // a job that is not there is 404, not an empty list
	}
	var page projections.Page[projections.UploadJobChunk]
	if err == nil {
		page, err = d.UploadJobReads.ListUploadJobChunks(ctx, account, id, req)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(page, uploadInfoObject))
}

// getUploadJobChunk answers one chunk of a job.
func (d Deps) getUploadJobChunk(w http.ResponseWriter, r *http.Request) {
	id := uploadJobID(r)
	n, err := strconv.Atoi(chi.URLParam(r, "chunk"))
	if err != nil || n < 0 {
		writeError(w, r, d.Log, domain.NotFoundError{Object: "upload chunk", ID: string(id) + "/" + chi.URLParam(r, "chunk")})
		return
	}
	c, err := d.UploadJobReads.UploadJobChunk(r.Context(), accountOf(r.Context()), id, n)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadInfoObject(c))
}
