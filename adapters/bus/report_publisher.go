package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Arrivals is told when a batch of reports is put on a queue, under the
// message's id: commands.Intake, whose clock the campaign engine measures
// device silence by. The router tells it when the message is done
// (Handlers.Intake).
type Arrivals interface {
	Arrived(id string, at time.Time)
	Recorded(id string)
}

// ReportPublisher puts batches of device reports (the connector webhook's)
// on deployment-service-campaign-device-state. In process one batch is one
// message, handled before RecordDeviceReports returns, with the handler's
// answer. On Kafka the batch is split by ReportKey, so that each device's
// reports stay in order on one partition while the shards spread over
// partitions; RecordDeviceReports returns once Kafka holds every part.
type ReportPublisher struct {
	pub      *Publisher
	arrivals Arrivals
	now      func() time.Time
}

// NewReportPublisher returns the report publisher on pub; arrivals may be
// nil.
func NewReportPublisher(pub *Publisher, arrivals Arrivals) *ReportPublisher {
	return &ReportPublisher{pub: pub, arrivals: arrivals, now: time.Now}
}

// RecordDeviceReports publishes the reports. In process, the refused
// reports were logged by the router and count as handled; a batch whose
// reports waited past the router's retries answers them all as waiting.
func (p *ReportPublisher) RecordDeviceReports(ctx context.Context, c commands.RecordDeviceReports) (commands.ReportsRecorded, error) {
	parts := p.split(c.Reports)
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = p.publish(ctx, c.Meta, part) })
	}
	wg.Wait()
	err := errors.Join(errs...)
	if errors.Is(err, domain.ErrSendNotRecorded) {
		out := commands.ReportsRecorded{Waiting: map[int]error{}}
		for i := range c.Reports {
			out.Waiting[i] = domain.ErrSendNotRecorded
		}
		return out, nil
	}
	return commands.ReportsRecorded{}, err
}

// split groups the reports into messages: by shard on Kafka, at most
// MaxReports each, in their order.
func (p *ReportPublisher) split(reports []domain.Report) [][]ReportItem {
	var order []string
	byKey := map[string][]ReportItem{}
	for _, r := range reports {
		key := ""
		if !p.pub.ps.inProcess {
			key = ReportKey(r.Device)
		}
		if _, ok := byKey[key]; !ok {
			order = append(order, key)
		}
		byKey[key] = append(byKey[key], itemOf(r))
	}
	var parts [][]ReportItem
	for _, key := range order {
		items := byKey[key]
		for len(items) > MaxReports {
			parts = append(parts, items[:MaxReports])
			items = items[MaxReports:]
		}
		parts = append(parts, items)
	}
	return parts
}

// publish sends one message, telling the arrivals about it.
func (p *ReportPublisher) publish(ctx context.Context, meta commands.Meta, items []ReportItem) error {
	id := uuid.NewString()
	if p.arrivals != nil {
		p.arrivals.Arrived(id, p.now())
	}
	m := CampaignDeviceState{Account: Account{AccountID: meta.Account}, Reports: items}
	_, err := p.pub.Send(ctx, m, WithMessageID(id), WithCorrelationID(meta.CorrelationID))
	var invalid *InvalidMessageError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid):
	case domain.KindOf(err) != domain.KindInternal && !errors.Is(err, domain.ErrSendNotRecorded):
		return nil // refused reports: the router logged them
	}
	if p.arrivals != nil {
		p.arrivals.Recorded(id) // not taken in: the connector delivers the body again
	}
	return fmt.Errorf("bus.ReportPublisher: %w", err)
}

// itemOf is a report as an item of a batch message.
func itemOf(r domain.Report) ReportItem {
	it := ReportItem{DeviceID: r.Device, Reason: r.Reason}
	switch r.Kind {
	case domain.ReportAsyncResponse:
		it.AsyncResponse = &ItemAsyncResponse{AsyncID: r.AsyncID, Status: r.Value, Error: r.Error}
	case domain.ReportLwM2MState:
		it.LwM2MState = &r.Value
	case domain.ReportLwM2MResult:
		it.UpdateResult = &r.Value
	case domain.ReportUpdateState:
		it.CampaignID, it.State, it.ResultCode = r.Campaign, r.State, r.ResultCode
	}
	return it
}
