package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// fakeDevices answers manifest writes the way devices behind a connector
// do, by the prefix of their id: ok (deployed), fail (result 9), odd
// (result 5), silent
// (never answer), reject (the connector refuses the write). While hold is
// set, the writes are taken and their answers kept back until release.
type fakeDevices struct {
	h    *commands.Handlers
	ctx  context.Context
	mu   sync.Mutex
	sent map[domain.DeviceID]int
	hold bool
	held map[domain.DeviceID]string // device → async id of the write held back
}

type permanentError struct{}

// Error says the connector does not know the device.
func (permanentError) Error() string { return "device unknown to the connector" }

// Permanent says no retry will change the answer.
func (permanentError) Permanent() bool { return true }

// SendManifest takes a manifest write and answers it by the device's id.
func (f *fakeDevices) SendManifest(_ context.Context, _ domain.AccountID, device domain.DeviceID, asyncID string, _ []byte) error {
	f.mu.Lock()
	if f.sent == nil {
		f.sent, f.held = map[domain.DeviceID]int{}, map[domain.DeviceID]string{}
	}
	f.sent[device]++
	hold := f.hold
	if hold {
		f.held[device] = asyncID
	}
	f.mu.Unlock()
	switch {
	case strings.HasPrefix(string(device), "reject"):
		return permanentError{}
	case strings.HasPrefix(string(device), "silent"), hold:
		return nil
	}
	go f.answer(device, asyncID)
	return nil
}

// setHold holds the answers back, or stops holding them.
func (f *fakeDevices) setHold(hold bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = hold
}

// release answers the writes held back so far.
func (f *fakeDevices) release() {
	f.mu.Lock()
	held := f.held
	f.held = map[domain.DeviceID]string{}
	f.mu.Unlock()
	for device, asyncID := range held {
		f.answer(device, asyncID)
	}
}

// written counts the manifest writes the simulated connector took.
func (f *fakeDevices) written() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.sent {
		n += c
	}
	return n
}

// answer reports the write delivered, then the update's progress and its
// result.
func (f *fakeDevices) answer(device domain.DeviceID, asyncID string) {
	meta := commands.Meta{Account: account}
	delivered, _ := domain.AsyncResponseReport(asyncID, 200, "")
	for {
		res, err := f.h.RecordDeviceReports(f.ctx, commands.RecordDeviceReports{Meta: meta, Reports: []domain.Report{delivered}})
		if err != nil || !errors.Is(res.Err(), domain.ErrSendNotRecorded) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	result := 1
	switch {
	case strings.HasPrefix(string(device), "fail"):
		result = 9
	case strings.HasPrefix(string(device), "odd"):
		result = 5
	}
	_, _ = f.h.RecordDeviceReports(f.ctx, commands.RecordDeviceReports{Meta: meta, Reports: []domain.Report{
		{Kind: domain.ReportLwM2MState, Device: device, Value: 4},
		{Kind: domain.ReportLwM2MState, Device: device, Value: 7},
		{Kind: domain.ReportLwM2MResult, Device: device, Value: result}}})
}
