package http

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// webhookParallel bounds how many devices' registrations of one webhook
// body are handled at once; a device's own items apply in order.
const webhookParallel = 8

// DeviceSide is what the webhook needs of the command handlers for the
// devices' registrations and deregistrations: *commands.Handlers.
type DeviceSide interface {
	HandleRegistration(context.Context, commands.HandleRegistration) (commands.Result, error)
	HandleDeregistration(context.Context, commands.HandleDeregistration) (commands.Result, error)
}

// DeviceReports records the device reports of a webhook body as one
// batch: the command handler itself, or a queue in front of it that
// answers the same way (in process) or once the queue holds the reports
// (Kafka).
type DeviceReports interface {
	RecordDeviceReports(context.Context, commands.RecordDeviceReports) (commands.ReportsRecorded, error)
}

// errReportsWait answers a body holding a report that cannot apply yet (an
// async response before its write is recorded): the connector delivers
// the body again later, which is safe because a repeated report records
// nothing.
var errReportsWait = statusError{http.StatusServiceUnavailable, "service_unavailable",
	"a report of this body answers a manifest write that is not recorded yet; deliver the body again later"}

// connectorNotifications is the device connector's notification channel
// (POST /v3/connector/notifications): one body may carry registrations,
// async responses, resource notifications and de-registrations, all in
// the account whose webhook secret the request carries. An async response
// to a write of another account is logged and left, as one to another
// application's request is: one account's connector never reports for
// another account's devices.
//
// It answers 400 with an error object, handling nothing, when the body is
// not valid. Otherwise it registers the devices the body registers, then
// records every report of the body (async responses and notifications of
// the firmware-update object) as one batch, then deregisters, and answers
// 204. A report the domain refuses (an unknown device) is logged and
// skipped: delivering it again cannot change that. An infrastructure
// failure answers 500, and a report that cannot apply yet 503: the
// connector then delivers the body again.
func (d Deps) connectorNotifications(w http.ResponseWriter, r *http.Request) {
	var body channelBody
	if err := decode(r, &body); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if n := body.len(); n > maxBodyItems {
		writeError(w, r, d.Log, tooManyItems(n))
		return
	}
	meta := commandMeta(r)
	parsed, err := body.parse(meta, d.Connector)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	account := accountOf(r.Context())
	for _, f := range parsed.foreign {
		d.Log.Warn("connector async response to a request of another application or account left", "account", account, "item", f)
	}
	err = d.dispatch(r.Context(), account, parsed.registrations)
	if err == nil && len(parsed.reports) > 0 {
		err = d.recordReports(r.Context(), meta, parsed.reports)
	}
	if err == nil {
		err = d.dispatch(r.Context(), account, parsed.deregistrations)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recordReports records the body's reports in one batch, logging the
// refused ones.
func (d Deps) recordReports(ctx context.Context, meta commands.Meta, reports []domain.Report) error {
	meta.CommandID, meta.FirstDelivery = "", false // a new batch each time: repeated reports record nothing anyway
	res, err := d.Reports.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta, Reports: reports})
	if err != nil {
		return err
	}
	for i, err := range res.Refused {
		d.Log.Warn("connector report refused", "account", meta.Account, "device", reports[i].Device, "report", reports[i].Kind, "error", err)
	}
	if len(res.Waiting) > 0 {
		d.Log.Warn("connector reports wait for their manifest writes", "account", meta.Account, "waiting", len(res.Waiting))
		return errReportsWait
	}
	return nil
}

// dispatch handles registration items, devices in parallel and each
// device's items in order. It stops starting items after the first
// failure that the connector must see (and retry the body for).
func (d Deps) dispatch(ctx context.Context, account domain.AccountID, items []connectorItem) error {
	var order []domain.DeviceID
	byDevice := map[domain.DeviceID][]connectorItem{}
	for _, it := range items {
		if _, ok := byDevice[it.device]; !ok {
			order = append(order, it.device)
		}
		byDevice[it.device] = append(byDevice[it.device], it)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	slots := make(chan struct{}, webhookParallel)
	for _, device := range order {
		if failed() {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, it := range byDevice[device] {
				if failed() {
					return
				}
				if err := d.handleItem(ctx, account, it); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// handleItem applies one item. It returns only the errors that fail the
// whole body: a refusal is logged.
func (d Deps) handleItem(ctx context.Context, account domain.AccountID, it connectorItem) error {
	err := it.run(ctx)
	if err != nil && domain.KindOf(err) != domain.KindInternal {
		d.Log.Warn("connector item refused", "account", account, "item", it.String(), "device", it.device, "error", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", it, err)
	}
	return nil
}
