package eventstoredb_test

import (
	"os"
	"testing"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/domain/eventstore/contract"
)

// TestContract runs the event store contract on the adapter over the
// wire-level server: the real client, real gRPC, on a random port.
func TestContract(t *testing.T) {
	contract.Run(t, contract.Harness{
		NewStore: func(t *testing.T) eventstore.Store {
			return newStore(t, startServer(t).URL())
		},
		AtomicMulti: false,
	})
}

// TestContractRealServer runs the same suite against the server
// EVENTSTORE_URL names (e.g. esdb://localhost:2113?tls=false for
// `docker compose up eventstore`). The suite's streams have unique names,
// so a shared server is fine.
func TestContractRealServer(t *testing.T) {
	url := os.Getenv("EVENTSTORE_URL")
	if url == "" {
		t.Skip("EVENTSTORE_URL is not set: the contract ran against the wire-level server only")
	}
	contract.Run(t, contract.Harness{
		NewStore:    func(t *testing.T) eventstore.Store { return newStore(t, url) },
		AtomicMulti: false,
	})
}

// newStore connects a store following every stream: the suite's streams
// are not the service's, which the production filter would hide.
func newStore(t *testing.T, url string) *eventstoredb.EventStore {
	t.Helper()
	s, err := eventstoredb.New(eventstoredb.Config{URL: url, AllStreams: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func startServer(t *testing.T) *esdbtest.Server {
	t.Helper()
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}
