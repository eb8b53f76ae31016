package domain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jobCreated is the creation of job j1 in acc1.
func jobCreated() UploadJobCreated {
	return UploadJobCreated{UploadJobID: "j1", AccountID: "acc1", JobName: "big.bin", Description: "v3", At: t0}
}

// chunk is chunk n of j1, of length bytes.
func chunk(n int, length int64) UploadChunk {
	return UploadChunk{Number: n, Length: length, Hash: fmt.Sprintf("md5-%d", n), BlobKey: fmt.Sprintf("upload-jobs/j1/%d", n),
		HashState: []byte{byte(n), 1}, At: at(n + 1)}
}

// chunkAppended is the event of chunk(n, length).
func chunkAppended(n int, length int64) UploadJobChunkAppended {
	c := chunk(n, length)
	return UploadJobChunkAppended{Chunk: c.Number, Length: c.Length, Hash: c.Hash, BlobKey: c.BlobKey, HashState: c.HashState, At: c.At}
}

// limitedAccount is acc1 with images of at most 1000 bytes.
func limitedAccount(t *testing.T) *Account {
	t.Helper()
	a, err := LoadAccount([]Event{AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 5, MaxPayloadBytes: 1000, At: t0}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewUploadJob(t *testing.T) {
	for _, tc := range []struct {
		name, jobName, description string
		then                       []Event
		err                        error
	}{
		{name: "a job is created", jobName: "big.bin", description: "v3", then: []Event{jobCreated()}},
		{name: "a blank name is refused", jobName: " ", err: InvalidError{Field: "name"}},
		{name: "a name of 129 characters is refused", jobName: strings.Repeat("a", 129), err: InvalidError{Field: "name"}},
		{name: "a description of 2001 characters is refused", jobName: "n", description: strings.Repeat("a", 2001), err: InvalidError{Field: "description"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job, err := NewUploadJob("j1", "acc1", tc.jobName, tc.description, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, job.Changes(), tc.then)
			checkReplay(t, LoadUploadJob, job, job.Changes())
		})
	}
}

func TestUploadJobAppendChunk(t *testing.T) {
	created := []Event{jobCreated()}
	appendChunk := func(c UploadChunk) func(*UploadJob) error {
		return func(j *UploadJob) error { return j.AppendChunk(c, limitedAccount(t), c.At) }
	}
	runScenarios(t, LoadUploadJob, []scenario[*UploadJob]{
		{name: "the first chunk is chunk 0", given: created, when: appendChunk(chunk(0, 600)), then: []Event{chunkAppended(0, 600)}},
		{name: "the next chunk follows the last", given: with(created, chunkAppended(0, 600)), when: appendChunk(chunk(1, 400)),
			then: []Event{chunkAppended(1, 400)}},
		{name: "a chunk recorded before is refused", given: with(created, chunkAppended(0, 600)), when: appendChunk(chunk(0, 600)),
			err: ConflictError{}},
		{name: "a chunk past the next is refused", given: created, when: appendChunk(chunk(1, 600)), err: ConflictError{}},
		{name: "an empty chunk is refused", given: created, when: appendChunk(chunk(0, 0)), err: InvalidError{Field: "chunk"}},
		{name: "a chunk taking the total past the account's limit is refused", given: with(created, chunkAppended(0, 600)),
			when: appendChunk(chunk(1, 401)), err: LimitExceededError{Limit: "max_payload_bytes", Max: 1000}},
		{name: "a completed job takes no chunk", given: with(created, chunkAppended(0, 600), UploadJobCompleted{FirmwareImageID: "i1", At: at(3)}),
			when: appendChunk(chunk(1, 10)), err: ConflictError{}},
		{name: "a deleted job is not found", given: with(created, UploadJobDeleted{At: at(1)}), when: appendChunk(chunk(0, 10)),
			err: NotFoundError{Object: "upload job", ID: "j1"}},
	})
}

func TestUploadJobComplete(t *testing.T) {
	created := []Event{jobCreated()}
	var spec FirmwareImageSpec
	complete := func(j *UploadJob) (err error) {
		spec, err = j.Complete("i1", "firmware-images/i1", imageSum, at(9))
		return err
	}
	runScenarios(t, LoadUploadJob, []scenario[*UploadJob]{
		{name: "a job with chunks completes into an image", given: with(created, chunkAppended(0, 600), chunkAppended(1, 400)),
			when: complete, then: []Event{UploadJobCompleted{FirmwareImageID: "i1", At: at(9)}}},
		{name: "a job without chunks cannot complete", given: created, when: complete, err: InvalidError{Field: "chunks"}},
		{name: "a job completes once", given: with(created, chunkAppended(0, 600), UploadJobCompleted{FirmwareImageID: "i0", At: at(3)}),
			when: complete, err: ConflictError{}},
	})
	t.Run("the image has the job's names and the chunks' total", func(t *testing.T) {
		job, err := LoadUploadJob(with(created, chunkAppended(0, 600), chunkAppended(1, 400)))
		if err != nil {
			t.Fatal(err)
		}
		if err := complete(job); err != nil {
			t.Fatal(err)
		}
		want := FirmwareImageSpec{Name: "big.bin", Description: "v3", BlobKey: "firmware-images/i1", Checksum: imageSum, Size: 1000}
		if diff := cmp.Diff(want, spec); diff != "" {
			t.Errorf("image spec (-want +got):\n%s", diff)
		}
	})
}

func TestUploadJobEditAndDelete(t *testing.T) {
	created := []Event{jobCreated()}
	runScenarios(t, LoadUploadJob, []scenario[*UploadJob]{
		{name: "a job is renamed", given: created, when: func(j *UploadJob) error { return j.Edit("new", "d", at(2)) },
			then: []Event{UploadJobEdited{JobName: "new", Description: "d", At: at(2)}}},
		{name: "a blank name is refused", given: created, when: func(j *UploadJob) error { return j.Edit("", "d", at(2)) },
			err: InvalidError{Field: "name"}},
		{name: "a job is deleted", given: created, when: func(j *UploadJob) error { return j.Delete(at(2)) },
			then: []Event{UploadJobDeleted{At: at(2)}}},
		{name: "a deleted job is not found", given: with(created, UploadJobDeleted{At: at(1)}),
			when: func(j *UploadJob) error { return j.Delete(at(2)) }, err: NotFoundError{Object: "upload job", ID: "j1"}},
		{name: "a job never created is not found", when: func(j *UploadJob) error { return j.Edit("n", "", at(2)) },
			err: NotFoundError{Object: "upload job"}},
	})
}
