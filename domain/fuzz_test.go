package domain

import (
	"bytes"
	"maps"
	"slices"
	"testing"
)

// An async id made of three valid ids reads back as them, whatever
// characters the ids hold; one made of an invalid id does not read back.
func FuzzAsyncID(f *testing.F) {
	f.Add("acme", "0157f3a2b6c94d5e8f0a1b2c3d4e5f60", "device-1")
	f.Add("acme.eu", "campaign.with.dots", "device.with.dots")
	f.Add("a", "c", "ünïcode-☃")
	f.Add("a", "c", "a/b")
	f.Add("a-b", "c", "d")
	f.Add("a", "", "d")
	f.Add("a", "c", "")
	f.Add("a", "c\x00", "d")
	f.Add("a", "c", "d\n")
	f.Add("\xff", "c", "\xff\xfe")
	f.Fuzz(func(t *testing.T, account, campaign, device string) {
		a, c, d := AccountID(account), CampaignID(campaign), DeviceID(device)
		gotA, gotC, gotD, ok := ParseAsyncID(AsyncID(a, c, d))
		valid := a.Validate() == nil && c.Validate() == nil && d.Validate() == nil
		if ok != valid || (ok && (gotA != a || gotC != c || gotD != d)) {
			t.Fatalf("ParseAsyncID(AsyncID(%q, %q, %q)) = %q, %q, %q, %v; want them back exactly when all are valid (%v)",
				a, c, d, gotA, gotC, gotD, ok, valid)
		}
	})
}

// Whatever string the connector echoes, an async id is accepted only if
// it names valid ids and is the very text AsyncID makes of them: one
// manifest write has one async id, so a report cannot be sent twice under
// two spellings, and an accepted id holds nothing the text rules refuse.
func FuzzParseAsyncID(f *testing.F) {
	for _, s := range []string{
		AsyncID("acme", "0157f3a2b6c94d5e8f0a1b2c3d4e5f60", "device-1"), AsyncID("a.b", "c.d", "e.f"),
		"YWNtZQ.c.", "YWNtZQ..ZGV2", ".c.ZGV2", "YWNtZQ.c.ZGV2==", "YWNtZQ.c.ZGV2\n", "YWNtZQ.c.ZG\rV2", "YWNt\nZQ.c.ZGV2",
		"YWNtZQ.c.ZGV3", "YWNtZQ.c.ZA", "YWNtZQ.c.ZB", "YWNtZR.c.ZA", "c.ZGV2", "YWNtZQ.c.!!!", "YWNtZQ.\xff.ZGV2",
		"YWNtZQ.c\x00.ZGV2", "YWNtZQ.c.AA", "LWEt.c.ZA", "nodot",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, c, d, ok := ParseAsyncID(s)
		if !ok {
			if a != "" || c != "" || d != "" {
				t.Fatalf("ParseAsyncID(%q) refused it but returned %q, %q, %q", s, a, c, d)
			}
			return
		}
		if a.Validate() != nil || c.Validate() != nil || d.Validate() != nil {
			t.Fatalf("ParseAsyncID(%q) = %q, %q, %q: not valid ids", s, a, c, d)
		}
		if canonical := AsyncID(a, c, d); canonical != s {
			t.Fatalf("ParseAsyncID(%q) = %q, %q, %q, whose async id is %q: two spellings of one write", s, a, c, d, canonical)
		}
		if err := CheckText("async_id", s, 1000, false); err != nil {
			t.Fatalf("ParseAsyncID accepted %q: %v", s, err)
		}
	})
}

// A stored event either decodes, or is refused with an error (the
// projection runner then stops or quarantines it). One that decodes keeps
// its type name, encodes without error, and its encoding is a fixed point:
// decoding and encoding it again changes nothing, so an aggregate loaded
// and stored again writes what it read.
func FuzzDecodeEvent(f *testing.F) {
	for _, name := range slices.Sorted(maps.Keys(eventTypes)) {
		f.Add(name, []byte(`{}`))
	}
	for _, e := range []Event{campaignCreated(), deviceRegistered(), manifestRegistered(),
		CampaignBatchProcessed{Batch: 1, Enrolled: 2, Skipped: map[SkipReason]int{SkipDeregistered: 1}, Cursor: "x", Last: true, At: at(1)},
		DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateInstalling, To: UpdateFailed, ResultCode: 9, Reason: "r", AsyncID: "a", At: at(1)},
	} {
		name, data, err := EncodeEvent(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, data)
	}
	f.Add("CampaignCreated", []byte(`{"at":"2016-11-30T17:25:12+01:00","when":null}`))
	f.Add("CampaignEdited", []byte(`{"when":"9999-12-31T23:59:59-23:59"}`))
	f.Add("DeviceUpdated", []byte(`{"groups":["a","\u0000"],"device_name":"\ud800"}`))
	f.Add("CampaignCreated", []byte(`{"at":"not a time"}`))
	f.Add("CampaignCreated", []byte(`[]`))
	f.Add("NoSuchEvent", []byte(`{}`))
	f.Add("", []byte(``))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ev, err := DecodeEvent(name, data)
		if err != nil {
			if ev != nil {
				t.Fatalf("DecodeEvent(%q) failed (%v) but returned %#v", name, err, ev)
			}
			return
		}
		if ev.Name() != name {
			t.Fatalf("DecodeEvent(%q) = a %s", name, ev.Name())
		}
		name1, data1, err := EncodeEvent(ev)
		if err != nil || name1 != name {
			t.Fatalf("EncodeEvent of the decoded %s %s = %q, %v", name, data, name1, err)
		}
		again, err := DecodeEvent(name1, data1)
		if err != nil {
			t.Fatalf("DecodeEvent(%q, %s), of what EncodeEvent wrote: %v", name1, data1, err)
		}
		if _, data2, err := EncodeEvent(again); err != nil || !bytes.Equal(data1, data2) {
			t.Fatalf("%s %s encodes as %s, then as %s (%v)", name, data, data1, data2, err)
		}
	})
}
