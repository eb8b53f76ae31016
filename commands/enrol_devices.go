package commands

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// EnrolDevices applies the enrolment rules to one page of the devices a
// campaign's filter matched: each device is enrolled or skipped with a
// reason, and the campaign records the page's summary, all in one append
// where the campaign goes last. A device the campaign took in an earlier
// page (a device of several Registry groups) is neither changed nor
// counted again, so each device counts once.
type EnrolDevices struct {
	Meta
	CampaignID domain.CampaignID
	// Batch numbers the page from 1; a page recorded before is a no-op.
	Batch   int
	Devices []domain.DeviceID
	// Cursor is where the next page starts; Last marks the final page.
	Cursor string
	Last   bool
	// Group, when set, names the Device Registry group the page was read
	// from: a device the catalog never held is registered in the same
	// append, in that group and of the manifest's device class (the
	// Registry knows no class; as in Campaigner, the Director judges
	// whether the update fits the hardware), then enrolled by the same
	// rules. Without it such a device is skipped as deregistered. A
	// device in the catalog keeps its attributes.
	Group string
}

// EnrolDevices handles EnrolDevices.
func (h *Handlers) EnrolDevices(ctx context.Context, c EnrolDevices) (Result, error) {
	return retry(ctx, func() (Result, error) {
		cp, m, err := h.ownedCampaignAndManifest(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		ids := slices.Compact(slices.Sorted(slices.Values(c.Devices))) // a device loaded twice would conflict with itself
		devices, err := h.loadDevices(ctx, c.Meta, ids)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		batch := domain.CampaignBatch{Batch: c.Batch, Skipped: map[domain.SkipReason]int{}, Cursor: c.Cursor, Last: c.Last}
		enrolments := make([]changed, 0, len(devices))
		for i, d := range devices {
			if _, taken := d.agg.Update(c.CampaignID); taken {
				continue // by an earlier page: counted there (a retried command finds it as before, see asFound)
			}
			if d.agg.ID() == "" && c.Group == "" { // never in the catalog: nothing to record on it
				batch.Skipped[domain.SkipDeregistered]++
				continue
			}
			reason, err := enrol(d.agg, c, ids[i], m, cp.agg.Rollout().Conflict, now)
			if err != nil {
				return Result{}, err
			}
			if reason == "" {
				batch.Enrolled++
			} else {
				batch.Skipped[reason]++
			}
			enrolments = append(enrolments, d.changed())
		}
		if err := cp.agg.RecordBatch(batch, now); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, enrolments, cp.changed())
	})
}

// enrol enrols device id or skips it, after registering it in the
// command's Registry group, of the manifest's class, when the catalog
// never held it. A device another campaign holds is skipped, queued or
// taken from it, as the campaign's conflict policy says.
func enrol(d *domain.Device, c EnrolDevices, id domain.DeviceID, m *domain.Manifest, conflict domain.ConflictPolicy, now time.Time) (domain.SkipReason, error) {
	if d.ID() == "" {
		if err := d.Register(c.Account, id, domain.DeviceAttributes{DeviceClass: m.DeviceClass(), Groups: []string{c.Group}}, now); err != nil {
			return "", fmt.Errorf("registering %s from the Device Registry: %w", id, err)
		}
	}
	reason, err := d.EnrolOrSkipUnder(c.CampaignID, m, conflict, now)
	if err != nil {
		return "", fmt.Errorf("enrolling %s: %w", id, err)
	}
	return reason, nil
}

// loadDevices loads the device aggregates of the command's account in one
// read, each as the command found it (see asFound).
func (h *Handlers) loadDevices(ctx context.Context, meta Meta, ids []domain.DeviceID) ([]loaded[*domain.Device], error) {
	streams := make([]string, len(ids))
	for i, id := range ids {
		streams[i] = domain.DeviceStream(meta.Account, id)
	}
	recorded, err := h.store.ReadStreams(ctx, streams)
	if err != nil {
		return nil, err
	}
	out := make([]loaded[*domain.Device], len(ids))
	for i, stream := range streams {
		if out[i], err = asFound(meta, stream, recorded[stream], domain.LoadDevice); err != nil {
			return nil, err
		}
	}
	return out, nil
}
