package eventstoredb

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// A recorded event's user metadata, whatever the server holds, either
// reads as the port's Metadata or is refused with an error naming the
// event; the data passes through untouched; and metadata this adapter
// wrote reads back as what was appended.
func FuzzRecordedMetadata(f *testing.F) {
	written, _ := json.Marshal(eventstore.Metadata{AccountID: "acme", CorrelationID: "req-1", CausationID: "cmd-1"})
	for _, m := range []string{string(written), ``, `{}`, `null`, `{"account_id":1}`, `{"account_id":"a\u0000b","extra":[1]}`,
		`[]`, `{"account_id":"acme"`, `"text"`, `{"correlation_id":"\ud800"}`} {
		f.Add([]byte(m), []byte(`{"at":"2016-11-30T16:25:12Z"}`))
	}
	f.Fuzz(func(t *testing.T, meta, data []byte) {
		id := uuid.New()
		in := &esdb.RecordedEvent{EventID: id, EventType: "CampaignStarting", StreamID: "campaign-c1", EventNumber: 3,
			Position: esdb.Position{Commit: 9, Prepare: 8}, Data: data, UserMetadata: meta, CreatedDate: time.Unix(1, 0)}
		r, err := recorded(in)
		if err != nil {
			if !strings.Contains(err.Error(), id.String()) || !strings.Contains(err.Error(), "metadata") {
				t.Fatalf("metadata %q: the error %q does not name the event and its metadata", meta, err)
			}
			return
		}
		if !bytes.Equal(r.Data, data) || r.ID != id || r.Revision != 3 || r.Position != (eventstore.Position{Commit: 9, Prepare: 8}) {
			t.Fatalf("metadata %q: recorded as %+v", meta, r)
		}
		again, err := json.Marshal(r.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		back, err := recorded(&esdb.RecordedEvent{EventID: id, UserMetadata: again})
		if err != nil || back.Metadata != r.Metadata {
			t.Fatalf("metadata %+v, written as %s, reads back as %+v, %v", r.Metadata, again, back.Metadata, err)
		}
	})
}
