package commands_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// jobCreated is the creation of job id of account.
func jobCreated(id domain.UploadJobID, account domain.AccountID) domain.UploadJobCreated {
	return domain.UploadJobCreated{UploadJobID: id, AccountID: account, JobName: "big.bin", At: at(0)}
}

// jobChunk is chunk n of 1000 bytes of job j1.
func jobChunk(n int) domain.UploadChunk {
	return domain.UploadChunk{Number: n, Length: 1000, Hash: fmt.Sprintf("md5-%d", n), BlobKey: fmt.Sprintf("upload-jobs/j1/%d", n), HashState: []byte{byte(n)}}
}

// chunkAppended is the event of jobChunk(n), recorded now.
func chunkAppended(n int) domain.UploadJobChunkAppended {
	c := jobChunk(n)
	return domain.UploadJobChunkAppended{Chunk: n, Length: c.Length, Hash: c.Hash, BlobKey: c.BlobKey, HashState: c.HashState, At: now}
}

func TestCreateAndEditUploadJob(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	js := domain.UploadJobStream("j1")
	created := domain.UploadJobCreated{UploadJobID: "j1", AccountID: acme, JobName: "big.bin", Description: "d", At: now}

	t.Run("a job is created", func(t *testing.T) {
		_, err := f.h.CreateUploadJob(ctx, commands.CreateUploadJob{Meta: meta("j-1"), UploadJobID: "j1", Name: "big.bin", Description: "d"})
		ok(t, err)
		f.then(t, js, created)
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		_, err := f.h.CreateUploadJob(ctx, commands.CreateUploadJob{Meta: meta("j-2"), UploadJobID: "j1", Name: "other"})
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("another account's job is not found", func(t *testing.T) {
		m := meta("e-1")
		m.Account = globex
		_, err := f.h.EditUploadJob(ctx, commands.EditUploadJob{Meta: m, UploadJobID: "j1", Name: "mine"})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, js, created)
	})
	t.Run("a job is renamed", func(t *testing.T) {
		_, err := f.h.EditUploadJob(ctx, commands.EditUploadJob{Meta: meta("e-2"), UploadJobID: "j1", Name: "renamed"})
		ok(t, err)
		f.then(t, js, created, domain.UploadJobEdited{JobName: "renamed", At: now})
	})
}

func TestAppendUploadJobChunk(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	js := domain.UploadJobStream("j1")
	f.given(t, js, jobCreated("j1", acme))
	f.given(t, domain.AccountStream(acme), domain.AccountFirmwareLimitsSet{AccountID: acme, MaxPayloadBytes: 2500, At: at(0)})
	appendChunk := func(commandID string, c domain.UploadChunk) error {
		_, err := f.h.AppendUploadJobChunk(ctx, commands.AppendUploadJobChunk{Meta: meta(commandID), UploadJobID: "j1", Chunk: c})
		return err
	}

	t.Run("chunks are appended in order", func(t *testing.T) {
		ok(t, appendChunk("c-0", jobChunk(0)))
		ok(t, appendChunk("c-1", jobChunk(1)))
		f.then(t, js, jobCreated("j1", acme), chunkAppended(0), chunkAppended(1))
	})
	t.Run("the same command handled twice records its chunk once", func(t *testing.T) {
		ok(t, appendChunk("c-1", jobChunk(1)))
		f.then(t, js, jobCreated("j1", acme), chunkAppended(0), chunkAppended(1))
	})
	t.Run("a chunk taking the total past the account's limit is refused", func(t *testing.T) {
		wantKind(t, appendChunk("c-2", jobChunk(2)), domain.KindForbidden)
		f.then(t, js, jobCreated("j1", acme), chunkAppended(0), chunkAppended(1))
	})
}

func TestCompleteUploadJob(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	js := domain.UploadJobStream("j1")
	f.given(t, js, jobCreated("j1", acme), chunkAppended(0), chunkAppended(1))
	complete := func(commandID string, account domain.AccountID) error {
		m := meta(commandID)
		m.Account = account
		_, err := f.h.CompleteUploadJob(ctx, commands.CompleteUploadJob{Meta: m, UploadJobID: "j1", FirmwareImageID: "i1",
			BlobKey: "firmware-images/i1", Checksum: image.Checksum})
		return err
	}
	completed := domain.UploadJobCompleted{FirmwareImageID: "i1", At: now}
	uploaded := domain.FirmwareImageUploaded{FirmwareImageID: "i1", AccountID: acme, ImageName: "big.bin", BlobKey: "firmware-images/i1",
		Checksum: image.Checksum, Size: 2000, At: now}

	t.Run("another account's job is not found", func(t *testing.T) {
		wantKind(t, complete("x-1", globex), domain.KindNotFound)
		f.then(t, domain.FirmwareImageStream("i1"))
	})
	t.Run("a job completes into an image of its chunks", func(t *testing.T) {
		ok(t, complete("x-2", acme))
		f.then(t, js, jobCreated("j1", acme), chunkAppended(0), chunkAppended(1), completed)
		f.then(t, domain.FirmwareImageStream("i1"), uploaded)
	})
	t.Run("the same command handled twice records once", func(t *testing.T) {
		ok(t, complete("x-2", acme))
		f.then(t, domain.FirmwareImageStream("i1"), uploaded)
	})
	t.Run("a completed job takes no chunk", func(t *testing.T) {
		_, err := f.h.AppendUploadJobChunk(ctx, commands.AppendUploadJobChunk{Meta: meta("c-9"), UploadJobID: "j1", Chunk: jobChunk(2)})
		wantKind(t, err, domain.KindConflict)
	})
}

func TestDeleteUploadJob(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	js := domain.UploadJobStream("j1")
	f.given(t, js, jobCreated("j1", acme), chunkAppended(0))
	del := func(commandID string) error {
		_, err := f.h.DeleteUploadJob(ctx, commands.DeleteUploadJob{Meta: meta(commandID), UploadJobID: "j1"})
		return err
	}

	t.Run("the account reads its job's chunks before deleting it", func(t *testing.T) {
		job, err := f.h.UploadJob(ctx, acme, "j1")
		ok(t, err)
		if got := job.Chunks()[0].BlobKey; got != "upload-jobs/j1/0" {
			t.Errorf("chunk 0's blob = %q, want upload-jobs/j1/0", got)
		}
	})
	t.Run("a job is deleted", func(t *testing.T) {
		ok(t, del("d-1"))
		f.then(t, js, jobCreated("j1", acme), chunkAppended(0), domain.UploadJobDeleted{At: now})
	})
	t.Run("a deleted job is not found, to delete or to read", func(t *testing.T) {
		wantKind(t, del("d-2"), domain.KindNotFound)
		_, err := f.h.UploadJob(ctx, acme, "j1")
		wantKind(t, err, domain.KindNotFound)
	})
}
