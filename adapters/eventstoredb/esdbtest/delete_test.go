package esdbtest_test

import (
	"math"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
)

func TestTombstone(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "tomb-1", esdb.NoStream{}, events(2, "Tested")...)
	res, err := c.TombstoneStream(ctxFor(t), "tomb-1", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Revision(1)})
	if err != nil || res.Position.Commit == 0 {
		t.Fatalf("tombstone: %+v, %v", res, err)
	}
	if _, err := read(t, c, "tomb-1", false); errorCode(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("read after tombstone: %v, want stream deleted", err)
	}
	if _, err := c.AppendToStream(ctxFor(t), "tomb-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, events(1, "Tested")...); errorCode(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("append after tombstone: %v, want stream deleted", err)
	}
	if _, err := c.DeleteStream(ctxFor(t), "tomb-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Any{}}); errorCode(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("delete after tombstone: %v, want stream deleted", err)
	}
	all, _ := read(t, c, "", true)
	if len(all) == 0 || all[0].EventType != "$streamDeleted" || all[0].StreamID != "tomb-1" || all[0].EventNumber != math.MaxInt64 {
		t.Errorf("last event of $all = %+v, want the tombstone of tomb-1 at revision MaxInt64", all[0])
	}
}

func TestSoftDelete(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "soft-1", esdb.NoStream{}, events(2, "Tested")...)
	if _, err := c.DeleteStream(ctxFor(t), "soft-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(0)}); err == nil {
		t.Error("delete expecting a stale revision succeeded")
	}
	if _, err := c.DeleteStream(ctxFor(t), "soft-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(1)}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := read(t, c, "soft-1", false); errorCode(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("read after delete: %v, want not found", err)
	}
	if _, err := c.AppendToStream(ctxFor(t), "soft-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.StreamExists{}}, events(1, "Tested")...); errorCode(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("append expecting stream exists after delete: %v, want stream deleted", err)
	}
	// Writing again recreates it; revisions continue where they were.
	res := appendTo(t, c, "soft-1", esdb.NoStream{}, events(1, "Tested")...)
	if res.NextExpectedVersion != 2 {
		t.Errorf("recreated at revision %d, want 2", res.NextExpectedVersion)
	}
	got, err := read(t, c, "soft-1", false)
	if diff := cmp.Diff([]uint64{2}, revisions(got)); diff != "" || err != nil {
		t.Errorf("recreated stream revisions (-want +got):\n%s (err %v)", diff, err)
	}
	all, _ := read(t, c, "", false)
	var kept []uint64
	for _, e := range all {
		if e.StreamID == "soft-1" {
			kept = append(kept, e.EventNumber)
		}
	}
	if diff := cmp.Diff([]uint64{0, 1, 2}, kept); diff != "" {
		t.Errorf("$all keeps soft-deleted events until a scavenge (-want +got):\n%s", diff)
	}
	meta, err := c.GetStreamMetadata(ctxFor(t), "soft-1", esdb.ReadStreamOptions{})
	if err != nil || meta.TruncateBefore() == nil || *meta.TruncateBefore() != 2 {
		t.Errorf("metadata after recreation: %+v, %v, want $tb 2", meta, err)
	}
}

func TestStreamMetadataKeepsOnlyTheLast(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "md-1", esdb.NoStream{}, events(1, "Tested")...)
	for _, n := range []uint64{5, 7} {
		m := esdb.StreamMetadata{}
		m.SetMaxCount(n)
		if _, err := c.SetStreamMetadata(ctxFor(t), "md-1", esdb.AppendToStreamOptions{}, m); err != nil {
			t.Fatal(err)
		}
	}
	meta, err := c.GetStreamMetadata(ctxFor(t), "md-1", esdb.ReadStreamOptions{})
	if err != nil || meta.MaxCount() == nil || *meta.MaxCount() != 7 {
		t.Errorf("metadata %+v, %v, want the last one ($maxCount 7)", meta, err)
	}
}
