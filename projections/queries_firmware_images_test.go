package projections_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

func testFirmwareImageQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	img, err := q.FirmwareImage(ctx, acme, "i1")
	if err != nil || img.Name != "i1.bin" || img.BlobKey != "acme/i1" || img.Checksum != "sum-i1" || img.Size != 1000 {
		t.Errorf("i1 = %+v, %v", img, err)
	}
	for _, id := range []domain.FirmwareImageID{"i3", "i9"} {
		if _, err := q.FirmwareImage(ctx, acme, id); !isNotFound(err) {
			t.Errorf("image %s: err = %v, want not found (deleted, or another account's)", id, err)
		}
	}
	for _, tc := range []struct {
		name  string
		query string
		want  []domain.FirmwareImageID
	}{
		{"an account lists its images that are not deleted", "include=total_count", []domain.FirmwareImageID{"i1", "i2"}},
		{"a size filter picks the images", "datafile_size__gte=1500", []domain.FirmwareImageID{"i2"}},
		{"a name filter picks the images", "name__eq=i1.bin", []domain.FirmwareImageID{"i1"}},
		{"descending order lists the newest first", "order=DESC", []domain.FirmwareImageID{"i2", "i1"}},
		{"a page continues after its cursor", "after=i1", []domain.FirmwareImageID{"i2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			req, err := projections.ParseListRequest(values)
			if err != nil {
				t.Fatal(err)
			}
			page, err := q.ListFirmwareImages(ctx, acme, req)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(page.Data, func(i projections.FirmwareImage) domain.FirmwareImageID { return i.ID })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
}
