package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// UploadJob rules (stream upload-job-<id>):
//
//  1. A job is created once, in one account, with a name of 1–128
//     characters and a description of at most 2,000; both may be edited
//     until the job is deleted.
//  2. Chunks are appended in order, numbered from 0: a chunk whose number
//     is not the job's count of chunks is refused, so a chunk recorded
//     before is never recorded twice. A chunk has more than zero bytes,
//     its MD5, the key of the blob holding it and the image's running
//     SHA-256 state after it.
//  3. The chunks' total is within the account's firmware limits (Account
//     rule 5), checked as each chunk is appended.
//  4. A job with at least one chunk is completed once, into a firmware
//     image named as the job; a completed job takes no more chunks.
//  5. A job is deleted once; a deleted job answers every behaviour as not
//     found. Its chunks' blobs are deleted only after the deletion is
//     recorded (an orphan blob, never a chunk without content).
type UploadJob struct {
	root
	id          UploadJobID
	account     AccountID
	name        string
	description string
	chunks      []UploadChunk
	image       FirmwareImageID
	createdAt   time.Time
	updatedAt   time.Time
	deleted     bool
}

// UploadChunk is one recorded chunk of a job.
type UploadChunk struct {
	Number    int
	Length    int64
	Hash      string
	BlobKey   string
	HashState []byte
	At        time.Time
}

// NewUploadJob records a new job (rule 1). The handler appends its one
// change with NoStream, so a second creation of the id fails.
func NewUploadJob(id UploadJobID, account AccountID, name, description string, now time.Time) (*UploadJob, error) {
	const op = "uploadJob.Create"
	if err := errors.Join(append([]error{id.Validate(), account.Validate()}, jobTextProblems(name, description)...)...); err != nil {
		return nil, wrap(op, err)
	}
	job := &UploadJob{}
	if err := job.record(UploadJobCreated{UploadJobID: id, AccountID: account, JobName: name, Description: description, At: now}); err != nil {
		return nil, wrap(op, err)
	}
	return job, nil
}

// LoadUploadJob rebuilds a job from its stream's events. An empty history
// gives a job that does not exist.
func LoadUploadJob(history []Event) (*UploadJob, error) {
	job := &UploadJob{}
	if err := job.load(job.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadUploadJob: %w", err)
	}
	return job, nil
}

// Edit renames the job (rule 1).
func (j *UploadJob) Edit(name, description string, now time.Time) error {
	const op = "uploadJob.Edit"
	if err := j.found(); err != nil {
		return wrap(op, err)
	}
	if err := errors.Join(jobTextProblems(name, description)...); err != nil {
		return wrap(op, err)
	}
	return wrap(op, j.record(UploadJobEdited{JobName: name, Description: description, At: now}))
}

// AppendChunk records chunk c (rules 2 and 3): account holds the limits.
func (j *UploadJob) AppendChunk(c UploadChunk, account *Account, now time.Time) error {
	const op = "uploadJob.AppendChunk"
	if err := j.found(); err != nil {
		return wrap(op, err)
	}
	if j.image != "" {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("upload job %s is complete: it takes no more chunks", j.id)})
	}
	if c.Number != len(j.chunks) {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("upload job %s expects chunk %d, not %d", j.id, len(j.chunks), c.Number)})
	}
	if err := errors.Join(c.problems()...); err != nil {
		return wrap(op, err)
	}
	if err := account.AdmitImage(j.Size() + c.Length); err != nil {
		return wrap(op, err)
	}
	return wrap(op, j.record(UploadJobChunkAppended{Chunk: c.Number, Length: c.Length, Hash: c.Hash, BlobKey: c.BlobKey,
		HashState: c.HashState, At: now}))
}

// Complete records that the job became image (rule 4) and returns the
// image's spec: its content is the chunks composed as blobKey, whose
// SHA-256 the caller finished from the last chunk's state.
func (j *UploadJob) Complete(image FirmwareImageID, blobKey, checksum string, now time.Time) (FirmwareImageSpec, error) {
	const op = "uploadJob.Complete"
	if err := j.found(); err != nil {
		return FirmwareImageSpec{}, wrap(op, err)
	}
	if j.image != "" {
		return FirmwareImageSpec{}, wrap(op, ConflictError{Reason: fmt.Sprintf("upload job %s is complete already", j.id)})
	}
	if len(j.chunks) == 0 {
		return FirmwareImageSpec{}, wrap(op, InvalidError{Field: "chunks", Reason: "a job without chunks cannot complete: send the image's bytes first"})
	}
	if err := j.record(UploadJobCompleted{FirmwareImageID: image, At: now}); err != nil {
		return FirmwareImageSpec{}, wrap(op, err)
	}
	return FirmwareImageSpec{Name: j.name, Description: j.description, BlobKey: blobKey, Checksum: checksum, Size: j.Size()}, nil
}

// Delete deletes the job (rule 5).
func (j *UploadJob) Delete(now time.Time) error {
	const op = "uploadJob.Delete"
	if err := j.found(); err != nil {
		return wrap(op, err)
	}
	return wrap(op, j.record(UploadJobDeleted{At: now}))
}

// found refuses a job that does not exist or was deleted (rule 5).
func (j *UploadJob) found() error {
	if j.id == "" || j.deleted {
		return NotFoundError{Object: "upload job", ID: string(j.id)}
	}
	return nil
}

// record applies e and keeps it for appending.
func (j *UploadJob) record(e Event) error { return j.recordWith(j.apply, e) }

// apply changes the job's state by one recorded event.
func (j *UploadJob) apply(e Event) error {
	if _, created := e.(UploadJobCreated); !created && j.id == "" {
		return fmt.Errorf("upload job: cannot apply %s before UploadJobCreated", e.Name())
	}
	switch e := e.(type) {
	case UploadJobCreated:
		if j.id != "" {
			return fmt.Errorf("upload job: %s created twice", e.UploadJobID)
		}
		j.id, j.account, j.name, j.description, j.createdAt, j.updatedAt = e.UploadJobID, e.AccountID, e.JobName, e.Description, e.At, e.At
	case UploadJobEdited:
		j.name, j.description, j.updatedAt = e.JobName, e.Description, e.At
	case UploadJobChunkAppended:
		j.chunks = append(j.chunks, UploadChunk{Number: e.Chunk, Length: e.Length, Hash: e.Hash, BlobKey: e.BlobKey, HashState: e.HashState, At: e.At})
		j.updatedAt = e.At
	case UploadJobCompleted:
		j.image, j.updatedAt = e.FirmwareImageID, e.At
	case UploadJobDeleted:
		j.deleted = true
	default:
		return unknownEvent("upload job", e)
	}
	return nil
}

// jobTextProblems checks rule 1's texts.
func jobTextProblems(name, description string) []error {
	var problems []error
	if strings.TrimSpace(name) == "" {
		problems = append(problems, InvalidError{Field: "name", Reason: "must not be blank"})
	}
	return append(problems, textProblems(textProblem("name", name, 128, oneLine), textProblem("description", description, 2000, freeText))...)
}

// problems checks rule 2's chunk.
func (c UploadChunk) problems() []error {
	var problems []error
	if c.Length <= 0 {
		problems = append(problems, InvalidError{Field: "chunk", Reason: "must have bytes: a chunk of none completes the job"})
	}
	if c.Hash == "" || c.BlobKey == "" || len(c.HashState) == 0 {
		problems = append(problems, InvalidError{Field: "chunk", Reason: "needs its hash, blob key and the image's hash state"})
	}
	return problems
}

// ID returns the job's id.
func (j *UploadJob) ID() UploadJobID { return j.id }

// AccountID returns the account the job belongs to.
func (j *UploadJob) AccountID() AccountID { return j.account }

// Chunks returns the recorded chunks in order.
func (j *UploadJob) Chunks() []UploadChunk { return j.chunks }

// Size returns the chunks' total bytes.
func (j *UploadJob) Size() int64 {
	var n int64
	for _, c := range j.chunks {
		n += c.Length
	}
	return n
}

// FirmwareImageID returns the image the job became; empty until complete.
func (j *UploadJob) FirmwareImageID() FirmwareImageID { return j.image }

// Deleted reports whether the job was deleted.
func (j *UploadJob) Deleted() bool { return j.deleted }

// Name returns the job's name, which its image takes.
func (j *UploadJob) Name() string { return j.name }

// Description returns the job's description, which its image takes.
func (j *UploadJob) Description() string { return j.description }

// CreatedAt returns when the job was created.
func (j *UploadJob) CreatedAt() time.Time { return j.createdAt }

// UpdatedAt returns when the job last changed.
func (j *UploadJob) UpdatedAt() time.Time { return j.updatedAt }
