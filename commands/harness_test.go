package commands_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The accounts of the tests: acme sends the commands, globex owns the
// objects acme must not see.
const (
	acme   domain.AccountID = "acme"
	globex domain.AccountID = "globex"
)

// now is the handlers' clock in every test.
var now = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// at is a time of the given history, minutes before now.
func at(minutesBefore int) time.Time { return now.Add(-time.Duration(minutesBefore) * time.Minute) }

// fixture is an event store in memory, with the Postgres store's
// semantics (the port's contract suite checks both), and handlers on it.
type fixture struct {
	store *memstore.Store
	// hooked wraps store; its beforeAppend, when set, runs before each
	// AppendMulti, where a test plays a concurrent writer.
	hooked *hookedStore
	h      *commands.Handlers
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s := memstore.New()
	hooked := &hookedStore{Store: s}
	return &fixture{store: s, hooked: hooked, h: commands.New(hooked, func() time.Time { return now })}
}

// hookedStore is the event store with a hook before appends.
type hookedStore struct {
	commands.Store
	beforeAppend func(ctx context.Context, requests []eventstore.AppendRequest)
}

func (s *hookedStore) AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if s.beforeAppend != nil {
		s.beforeAppend(ctx, requests)
	}
	return s.Store.AppendMulti(ctx, requests)
}

// given appends history that is already there when the command runs.
func (f *fixture) given(t testing.TB, stream string, events ...domain.Event) {
	t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		name, body, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: name, Data: body, Metadata: eventstore.Metadata{AccountID: "test"}}
	}
	if _, err := f.store.Append(context.Background(), stream, eventstore.Any, data...); err != nil {
		t.Fatalf("given %s: %v", stream, err)
	}
}

// events returns the decoded events of a stream; none for a missing one.
func (f *fixture) events(t testing.TB, stream string) []domain.Event {
	t.Helper()
	recorded, err := f.store.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatal(err)
	}
	out := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		if out[i], err = domain.DecodeEvent(r.Type, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// then checks that the stream holds exactly want, history included.
func (f *fixture) then(t testing.TB, stream string, want ...domain.Event) {
	t.Helper()
	if diff := cmp.Diff(want, f.events(t, stream), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("stream %s (-want +got):\n%s", stream, diff)
	}
}

// wantKind checks that err is of the wanted kind and not a raw store
// conflict, which handlers must never let out.
func wantKind(t testing.TB, err error, want domain.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %s error", want)
	}
	if got := domain.KindOf(err); got != want {
		t.Errorf("got a %s error (%v), want %s", got, err, want)
	}
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) {
		t.Errorf("a store conflict escaped the handler: %v", err)
	}
}

// ok fails the test on an error.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func meta(commandID string) commands.Meta {
	return commands.Meta{Account: acme, CommandID: commandID}
}
