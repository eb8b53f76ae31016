package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// EnrolDevices applies the enrolment rules to one page of the devices a
// campaign's filter matched: each device is enrolled or skipped with a
// reason, and the campaign records the page's summary, all in one append
// where the campaign goes last.
type EnrolDevices struct {
	Meta
	CampaignID domain.CampaignID
	// Batch numbers the page from 1; a page recorded before is a no-op.
	Batch   int
	Devices []domain.DeviceID
	// Cursor is where the next page starts; Last marks the final page.
	Cursor string
	Last   bool
}

// EnrolDevices handles EnrolDevices.
func (h *Handlers) EnrolDevices(ctx context.Context, c EnrolDevices) (Result, error) {
	return retry(ctx, func() (Result, error) {
		cp, m, err := h.ownedCampaignAndManifest(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		devices, err := h.loadDevices(ctx, c.Meta, c.Devices)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		batch := domain.CampaignBatch{Batch: c.Batch, Skipped: map[domain.SkipReason]int{}, Cursor: c.Cursor, Last: c.Last}
		enrolments := make([]changed, 0, len(devices))
		for _, d := range devices {
			if d.agg.ID() == "" { // never in the catalog: nothing to record on it
				batch.Skipped[domain.SkipDeregistered]++
				continue
			}
			reason, err := d.agg.EnrolOrSkip(c.CampaignID, m, now)
			if err != nil {
				return Result{}, fmt.Errorf("enrolling %s: %w", d.agg.ID(), err)
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
