package projections_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

func testUploadJobQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	job, err := q.UploadJob(ctx, acme, "j1")
	if err != nil || job.Name != "j1.bin" || job.FirmwareImageID == nil || *job.FirmwareImageID != "i1" {
		t.Errorf("j1 = %+v, %v; want j1.bin, completed into i1", job, err)
	}
	if job, err := q.UploadJob(ctx, acme, "j2"); err != nil || job.FirmwareImageID != nil {
		t.Errorf("j2 = %+v, %v; want it in progress", job, err)
	}
	for _, id := range []domain.UploadJobID{"j3", "j9"} {
		if _, err := q.UploadJob(ctx, acme, id); !isNotFound(err) {
			t.Errorf("job %s: err = %v, want not found (deleted, or another account's)", id, err)
		}
	}
	c, err := q.UploadJobChunk(ctx, acme, "j1", 2)
	if want := (projections.UploadJobChunk{UploadJobID: "j1", Chunk: 2, Length: 102, Hash: "md5-2", CreatedAt: c.CreatedAt}); err != nil || c != want {
		t.Errorf("chunk 2 of j1 = %+v, %v; want %+v", c, err, want)
	}
	if _, err := q.UploadJobChunk(ctx, acme, "j9", 0); !isNotFound(err) {
		t.Errorf("another account's chunk: err = %v, want not found", err)
	}
	list := func(t *testing.T, query string, page func(projections.ListRequest) ([]string, error)) []string {
		t.Helper()
		values, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		req, err := projections.ParseListRequest(values)
		if err != nil {
			t.Fatal(err)
		}
		got, err := page(req)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	jobs := func(req projections.ListRequest) ([]string, error) {
		p, err := q.ListUploadJobs(ctx, acme, req)
		return ids(p.Data, func(j projections.UploadJob) string { return string(j.ID) }), err
	}
	chunks := func(job domain.UploadJobID) func(projections.ListRequest) ([]string, error) {
		return func(req projections.ListRequest) ([]string, error) {
			p, err := q.ListUploadJobChunks(ctx, acme, job, req)
			return ids(p.Data, func(c projections.UploadJobChunk) string { return fmt.Sprint(c.Chunk) }), err
		}
	}
	for _, tc := range []struct {
		name, query string
		page        func(projections.ListRequest) ([]string, error)
		want        []string
	}{
		{"an account lists its jobs that are not deleted", "include=total_count", jobs, []string{"j1", "j2"}},
		{"a page of jobs continues after its cursor", "after=j1", jobs, []string{"j2"}},
		{"a job lists its chunks in order", "", chunks("j1"), []string{"0", "1", "2"}},
		{"a page of chunks continues after its cursor", "after=0&limit=2", chunks("j1"), []string{"1", "2"}},
		{"a cursor that is no chunk number lists none", "after=x", chunks("j1"), []string{}},
		{"a deleted job lists no chunks", "", chunks("j3"), []string{}},
		{"another account's job lists no chunks", "", chunks("j9"), []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(t, tc.query, tc.page)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}
