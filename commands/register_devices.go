package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// bulkChunk bounds the devices of one read and one append of a bulk
// registration: big enough that per-statement costs vanish, small enough
// that a chunk redone after a concurrent writer costs little and a
// transaction holds its stream locks briefly.
const bulkChunk = 1000

// DeviceRegistration is one device of a bulk registration.
type DeviceRegistration struct {
	DeviceID   domain.DeviceID
	Attributes domain.DeviceAttributes
}

// RegisterDevices registers many devices at once (the API's bulk import),
// each as RegisterDevice would. A device that cannot be registered is
// reported in the result and does not stop the others.
type RegisterDevices struct {
	Meta
	Devices []DeviceRegistration
}

// BulkResult tells what a bulk registration did.
type BulkResult struct {
	Result
	// Registered counts the devices now in the catalog with the attributes
	// given, including those that already were.
	Registered int
	// Failed gives, by index in Devices, why a device was not registered.
	Failed map[int]error
}

// RegisterDevices handles RegisterDevices: it checks every id first, then
// works in chunks of bulkChunk devices with one read and one append each.
// An error is returned only when the work could not go on (an invalid
// account, the store failing); the chunks appended before stay, and the
// result says what they did.
func (h *Handlers) RegisterDevices(ctx context.Context, c RegisterDevices) (BulkResult, error) {
	out := BulkResult{Failed: map[int]error{}}
	if err := c.Account.Validate(); err != nil {
		return out, failed("RegisterDevices", err)
	}
	valid := c.checkIDs(out.Failed)
	now := h.now()
	for start := 0; start < len(valid); start += bulkChunk {
		chunk, err := h.registerChunk(ctx, c, valid[start:min(start+bulkChunk, len(valid))], now)
		if err != nil {
			return out, failed("RegisterDevices", err)
		}
		out.Registered += chunk.registered
		for i, err := range chunk.failed {
			out.Failed[i] = err
		}
		if out.Position.Less(chunk.Position) {
			out.Position = chunk.Position
		}
	}
	return out, nil
}

// checkIDs records in failed the devices with an invalid id or an id given
// before (one append cannot write a stream twice), and returns the indexes
// of the others.
func (c RegisterDevices) checkIDs(failed map[int]error) []int {
	valid := make([]int, 0, len(c.Devices))
	first := make(map[domain.DeviceID]int, len(c.Devices))
	for i, d := range c.Devices {
		if err := d.DeviceID.Validate(); err != nil {
			failed[i] = err
			continue
		}
		if j, seen := first[d.DeviceID]; seen {
			failed[i] = domain.InvalidError{Field: "device_id", Reason: fmt.Sprintf("%q is given at index %d already", d.DeviceID, j)}
			continue
		}
		first[d.DeviceID] = i
		valid = append(valid, i)
	}
	return valid
}

// chunkOutcome is what one chunk did.
type chunkOutcome struct {
	Result
	registered int
	failed     map[int]error
}

// registerChunk registers the devices at indexes idx: one read of their
// streams, a decision per device, one append. A concurrent writer to any of
// the streams fails the whole append, and the chunk is read and decided
// again.
func (h *Handlers) registerChunk(ctx context.Context, c RegisterDevices, idx []int, now time.Time) (chunkOutcome, error) {
	var out chunkOutcome
	streams := make([]string, len(idx))
	for i, k := range idx {
		streams[i] = domain.DeviceStream(c.Account, c.Devices[k].DeviceID)
	}
	res, err := retry(ctx, func() (Result, error) {
		out = chunkOutcome{failed: map[int]error{}}
		recorded, err := h.store.ReadStreams(ctx, streams)
		if err != nil {
			return Result{}, err
		}
		requests := make([]eventstore.AppendRequest, 0, len(idx))
		for i, k := range idx {
			r, err := c.decide(streams[i], recorded[streams[i]], c.Devices[k], now)
			if err != nil {
				out.failed[k] = err
				continue
			}
			out.registered++
			if len(r.Events) > 0 {
				requests = append(requests, r)
			}
		}
		return h.save(ctx, requests...)
	})
	out.Result = res
	return out, err
}

// decide registers one device on its stored history and returns the
// append it needs, which is empty when the device needs none: the same
// attributes again, or this command handled before.
func (c RegisterDevices) decide(stream string, recorded []eventstore.RecordedEvent, reg DeviceRegistration, now time.Time) (eventstore.AppendRequest, error) {
	l, err := rebuild(stream, recorded, domain.LoadDevice)
	if err != nil {
		return eventstore.AppendRequest{}, err
	}
	if _, done := l.handledBefore(c.Meta); done {
		return eventstore.AppendRequest{}, nil
	}
	if err := l.agg.Register(c.Account, reg.DeviceID, reg.Attributes, now); err != nil {
		return eventstore.AppendRequest{}, err
	}
	r, _ := l.request(c.Meta)
	return r, nil
}
