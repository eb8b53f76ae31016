// Package esdbtest is a wire-level EventStoreDB for tests and development:
// an in-process gRPC server that the official client
// (github.com/EventStore/EventStore-Client-Go/v4) talks to as to a real
// single node over esdb://HOST:PORT?tls=false, or esdb+discover:// through
// its gossip endpoint.
//
// It implements what the v4 client calls for streams: ServerFeatures,
// Gossip, and Streams (Append; Read of a stream or $all, forwards and
// backwards; catch-up subscriptions to a stream or $all with stream-name
// or event-type filters and checkpoints; Delete; Tombstone), with
// EventStoreDB's semantics for expected revisions, idempotent retries,
// positions, soft deletes and tombstones (see store.go). It keeps
// everything in memory and implements no persistent subscriptions,
// projections, users or operations, no TLS and no authentication, and no
// BatchAppend (the v4 client never uses it). Stream metadata is stored and
// read back, but of its settings only $tb (truncate before) is enforced:
// no $maxCount, $maxAge or ACLs. DropSubscriptions ends the running
// subscriptions, as a server restart would, for tests of resubscription.
package esdbtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Options configure a Server. The zero value is EventStoreDB's defaults.
type Options struct {
	// MaxAppendSize is the most bytes one append may carry (EventStoreDB's
	// default, 1 MiB, when zero).
	MaxAppendSize int
	// Now is the clock of the events' creation times (time.Now when nil).
	Now func() time.Time
	// Version is the server version ServerFeatures reports ("24.10.0"
	// when empty).
	Version string
}

// Server is a running wire-level EventStoreDB.
type Server struct {
	listener      net.Listener
	grpc          *grpc.Server
	store         *store
	maxAppendSize int
	version       string
	instance      uuid.UUID
	done          chan struct{} // closed by Close: subscriptions end
	dropMu        sync.Mutex
	drop          chan struct{} // closed and replaced by DropSubscriptions
	closeOnce     sync.Once
	served        chan error
	faultMu       sync.Mutex
	failAppend    func(stream string) bool // see FailAppends
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves
// until Close.
func Start(addr string, opts Options) (*Server, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("esdbtest: %w", err)
	}
	if opts.MaxAppendSize <= 0 {
		opts.MaxAppendSize = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "24.10.0"
	}
	s := &Server{
		listener: listener, store: newStore(opts.Now), maxAppendSize: opts.MaxAppendSize,
		version: opts.Version, instance: uuid.New(), done: make(chan struct{}), drop: make(chan struct{}),
		served: make(chan error, 1),
	}
	// The client pings every 10 s even without calls; grpc-go's default
	// policy would answer "too many pings" and close the connection.
	s.grpc = grpc.NewServer(grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
		MinTime: 5 * time.Second, PermitWithoutStream: true,
	}))
	api.RegisterStreamsServer(s.grpc, &streamsService{server: s})
	gossip.RegisterGossipServer(s.grpc, &gossipService{server: s})
	serverfeatures.RegisterServerFeaturesServer(s.grpc, &featuresService{server: s})
	go func() { s.served <- s.grpc.Serve(listener) }()
	return s, nil
}

// Addr is the address the server listens on, host:port.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL is the connection string of this single node.
func (s *Server) URL() string { return "esdb://" + s.Addr() + "?tls=false" }

// DiscoverURL is a connection string that makes the client discover the
// node through gossip first.
func (s *Server) DiscoverURL() string { return "esdb+discover://" + s.Addr() + "?tls=false" }

// Close ends the subscriptions, stops serving and waits for the server
// to stop. The data is lost.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		stopped := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(2 * time.Second):
			s.grpc.Stop()
			<-stopped
		}
	})
}

// DropSubscriptions ends every running subscription with "unavailable",
// as a server restart or a dropped slow consumer does, and keeps serving:
// clients must subscribe again from where they were.
func (s *Server) DropSubscriptions() {
	s.dropMu.Lock()
	defer s.dropMu.Unlock()
	close(s.drop)
	s.drop = make(chan struct{})
}

// dropped returns the channel the next DropSubscriptions closes.
func (s *Server) dropped() <-chan struct{} {
	s.dropMu.Lock()
	defer s.dropMu.Unlock()
	return s.drop
}

// Wait blocks until the server stops and returns why, nil after Close.
func (s *Server) Wait() error {
	err := <-s.served
	s.served <- err
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// gossipService answers gossip with this one node as the alive leader,
// reachable at the address the server listens on.
type gossipService struct {
	gossip.UnimplementedGossipServer
	server *Server
}

// Read returns the cluster: this node alone, leader and alive.
func (g *gossipService) Read(context.Context, *shared.Empty) (*gossip.ClusterInfo, error) {
	host, port, err := net.SplitHostPort(g.server.Addr())
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 32)
	if err != nil {
		return nil, err
	}
	return &gossip.ClusterInfo{Members: []*gossip.MemberInfo{{
		InstanceId:   uuidToProto(g.server.instance, true),
		TimeStamp:    time.Now().UnixNano() / 100,
		State:        gossip.MemberInfo_Leader,
		IsAlive:      true,
		HttpEndPoint: &gossip.EndPoint{Address: host, Port: uint32(p)},
	}}}, nil
}

// featuresService tells the client the server version and the stream
// methods it serves.
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
	server *Server
}

// GetSupportedMethods lists the implemented methods, lower case as
// EventStoreDB lists them.
func (f *featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	methods := []*serverfeatures.SupportedMethod{}
	for _, m := range []string{"read", "append", "delete", "tombstone"} {
		methods = append(methods, &serverfeatures.SupportedMethod{MethodName: m, ServiceName: "event_store.client.streams.streams"})
	}
	methods = append(methods, &serverfeatures.SupportedMethod{MethodName: "read", ServiceName: "event_store.client.gossip.gossip"})
	return &serverfeatures.SupportedMethods{Methods: methods, EventStoreServerVersion: f.server.version}, nil
}
