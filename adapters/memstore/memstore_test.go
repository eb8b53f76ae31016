package memstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/domain/eventstore/contract"
)

func TestContract(t *testing.T) {
	contract.Run(t, contract.Harness{
		NewStore:    func(*testing.T) eventstore.Store { return memstore.New() },
		AtomicMulti: true,
		SlowAppend:  memstore.SlowAppend,
	})
}

// TestStoredEventsAreCopies checks that neither the appender nor a reader
// can change a stored event through the data slice it holds.
func TestStoredEventsAreCopies(t *testing.T) {
	ctx := context.Background()
	// Given an event appended from a slice its caller keeps
	s := memstore.New()
	data := []byte(`{"n":1}`)
	if _, err := s.Append(ctx, "s", eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "Tested", Data: data}); err != nil {
		t.Fatal(err)
	}
	// When the appender and the readers of each read change their slices
	data[6] = '2'
	read, err := s.ReadStream(ctx, "s", eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	read[0].Data[6] = '3'
	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	all[0].Data[6] = '4'
	streams, err := s.ReadStreams(ctx, []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	streams["s"][0].Data[6] = '5'
	// Then the stored event still holds what was appended
	got, err := s.ReadStream(ctx, "s", eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"n":1}`, string(got[0].Data)); diff != "" {
		t.Errorf("stored data (-want +got):\n%s", diff)
	}
}
