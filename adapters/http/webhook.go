package http

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// webhookParallel bounds how many devices of one webhook body are handled
// at once; a device's own items always apply one after another, in order.
const webhookParallel = 8

// DeviceSide is what the webhook needs of the command handlers. The
// service gives one that puts async responses and device reports on the
// original queues, so that the webhook and the queues reach the same
// handlers; without one the webhook calls Commands directly.
type DeviceSide interface {
	HandleAsyncResponse(context.Context, commands.HandleAsyncResponse) (commands.Result, error)
	HandleDeviceNotification(context.Context, commands.HandleDeviceNotification) (commands.Result, error)
	HandleRegistration(context.Context, commands.HandleRegistration) (commands.Result, error)
	HandleDeregistration(context.Context, commands.HandleDeregistration) (commands.Result, error)
}

// connectorNotifications is the device connector's notification channel
// (POST /v3/connector/notifications): one body may carry registrations,
// async responses, resource notifications and de-registrations, and each
// item becomes one command, in the account of the request's API key.
//
// It answers 400 with an error object, handling nothing, when the body is
// not valid; otherwise it handles every item and answers 204. An item the
// domain refuses (an unknown device, a report that does not fit) is
// logged and skipped: delivering it again cannot change that. An item that
// cannot apply yet (commands.ErrNotYetKnown) goes to ConnectorRetries,
// which applies it in the background, so the webhook never waits for it.
// An infrastructure failure answers 500, and too many items waiting for a
// retry 503: the connector then delivers the body again, which is safe
// because the commands record a repeated report once.
func (d Deps) connectorNotifications(w http.ResponseWriter, r *http.Request) {
	var side DeviceSide = d.Commands
	if d.DeviceSide != nil {
		side = d.DeviceSide
	}
	d.serveNotifications(w, r, side)
}

// serveNotifications is connectorNotifications with its command handlers
// given, so that tests can watch what it sends.
func (d Deps) serveNotifications(w http.ResponseWriter, r *http.Request, side DeviceSide) {
	var body channelBody
	if err := decode(r, &body); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	items, err := body.items(commandMeta(r), side)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if err := d.dispatch(r.Context(), accountOf(r.Context()), items); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// dispatch handles the items, devices in parallel and each device's items
// in order. It stops starting items after the first failure that the
// connector must see (and retry the body for).
func (d Deps) dispatch(ctx context.Context, account domain.AccountID, items []connectorItem) error {
	var order []deviceKey
	byDevice := map[deviceKey][]connectorItem{}
	for _, it := range items {
		key := deviceKey{account: account, device: it.device}
		if it.device == "" {
			key.device = domain.DeviceID("\x00" + it.String()) // no device: nothing to keep in order with
		}
		if _, ok := byDevice[key]; !ok {
			order = append(order, key)
		}
		byDevice[key] = append(byDevice[key], it)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	slots := make(chan struct{}, webhookParallel)
	for _, key := range order {
		if failed() {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, it := range byDevice[key] {
				if failed() {
					return
				}
				if err := d.handleItem(ctx, key, it); err != nil {
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

// handleItem applies one item, or queues it for a retry. It returns only
// the errors that fail the whole body.
func (d Deps) handleItem(ctx context.Context, key deviceKey, it connectorItem) error {
	if queued, err := d.ConnectorRetries.queueIfWaiting(key, it); queued || err != nil {
		return err
	}
	err := it.run(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, commands.ErrNotYetKnown):
		return d.ConnectorRetries.add(key, it, err)
	case domain.KindOf(err) != domain.KindInternal:
		d.Log.Warn("connector item refused", "account", key.account, "item", it.String(), "device", it.device, "error", err)
		return nil
	}
	return err
}
