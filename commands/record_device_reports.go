package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// RecordDeviceReports records what the device side reported about
// devices' updates: the connector's async responses, the devices' LwM2M
// update states and results, and steps other systems report (see the
// report rules in domain/device_report.go). One report and a thousand go
// the same way: the devices the reports name are loaded together, each
// device's reports apply in the order given, and every change is appended
// in one multi-stream append.
type RecordDeviceReports struct {
	Meta
	Reports []domain.Report
}

// ReportsRecorded tells what became of each report of a RecordDeviceReports.
type ReportsRecorded struct {
	Result
	// Refused holds, by index in Reports, the reports the domain refused
	// (an unknown device, an update not in the campaign): delivering them
	// again cannot change that.
	Refused map[int]error
	// Waiting holds, by index, the reports that cannot apply yet (an async
	// response before its write is recorded, domain.ErrSendNotRecorded):
	// every report of a device with one such report waits, and none of
	// them is recorded, so that the caller can send them again later, in
	// their order, as the same command or as a new one.
	Waiting map[int]error
}

// Err is the error of a batch that holds a single report: the refusal or
// the wait, as a command on one device answers.
func (r ReportsRecorded) Err() error {
	for _, errs := range []map[int]error{r.Waiting, r.Refused} {
		for _, err := range errs {
			return err
		}
	}
	return nil
}

// RecordDeviceReports handles RecordDeviceReports. Invalid reports are
// refused before anything is read; an error is an infrastructure failure
// (after the conflict retries), with nothing of the batch recorded on
// Postgres.
func (h *Handlers) RecordDeviceReports(ctx context.Context, c RecordDeviceReports) (ReportsRecorded, error) {
	out := ReportsRecorded{}
	byDevice := map[domain.DeviceID][]int{}
	var devices []domain.DeviceID
	for i, r := range c.Reports {
		if err := r.Validate(); err != nil {
			out.refuse(i, err)
			continue
		}
		if _, ok := byDevice[r.Device]; !ok {
			devices = append(devices, r.Device)
		}
		byDevice[r.Device] = append(byDevice[r.Device], i)
	}
	if len(devices) == 0 {
		return out, nil
	}
	res, err := retry(ctx, func() (Result, error) {
		out.Refused, out.Waiting = without(out.Refused, byDevice), nil
		loaded, err := h.loadDevices(ctx, c.Meta, devices)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		var requests []eventstore.AppendRequest
		for i, d := range loaded {
			if _, done := d.handledBefore(c.Meta); done {
				continue
			}
			apply, err := out.apply(d.agg, c.Reports, byDevice[devices[i]], now)
			if err != nil {
				return Result{}, err
			}
			if r, ok := d.request(c.Meta); ok && apply {
				requests = append(requests, r)
			}
		}
		return h.save(ctx, requests...)
	})
	out.Result = res
	return out, failed("RecordDeviceReports", err)
}

// apply applies one device's reports in order, sorting out refused and
// waiting ones; record is false when the device's changes must not be
// recorded because one of its reports waits. The error is a failure that
// is not the reports'.
func (out *ReportsRecorded) apply(d *domain.Device, reports []domain.Report, indexes []int, now time.Time) (record bool, err error) {
	for _, i := range indexes {
		err := d.Report(reports[i], now)
		switch {
		case err == nil:
		case errors.Is(err, domain.ErrSendNotRecorded):
			for _, j := range indexes {
				delete(out.Refused, j)
				out.wait(j, err)
			}
			return false, nil
		case domain.KindOf(err) != domain.KindInternal:
			out.refuse(i, err)
		default:
			return false, fmt.Errorf("device %s: %w", d.ID(), err)
		}
	}
	return true, nil
}

func (out *ReportsRecorded) refuse(i int, err error) {
	if out.Refused == nil {
		out.Refused = map[int]error{}
	}
	out.Refused[i] = err
}

func (out *ReportsRecorded) wait(i int, err error) {
	if out.Waiting == nil {
		out.Waiting = map[int]error{}
	}
	out.Waiting[i] = err
}

// without drops from refused the reports of the devices an attempt
// decides again, keeping those refused before any read (invalid ones).
func without(refused map[int]error, byDevice map[domain.DeviceID][]int) map[int]error {
	for _, indexes := range byDevice {
		for _, i := range indexes {
			delete(refused, i)
		}
	}
	return refused
}
