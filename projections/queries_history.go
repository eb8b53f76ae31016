package projections

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// HistoryEvents is the part of the event store the history reads: a range
// of one stream, and several whole streams at once.
type HistoryEvents interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
	ReadStreams(ctx context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error)
}

// History answers auditors: the events of a campaign or a device, in the
// global order, and a campaign's state as of an instant. It reads the
// campaign_history index and the event store.
type History struct {
	pool    *pgxpool.Pool
	events  HistoryEvents
	queries *Queries
}

// NewHistory returns the history reads of the read models in pool's
// database, whose events events holds.
func NewHistory(pool *pgxpool.Pool, events HistoryEvents) *History {
	return &History{pool: pool, events: events, queries: NewQueries(pool)}
}

// HistoryRequest asks for one page of a history.
type HistoryRequest struct {
	// Types keeps the events of these types; empty: every type.
	Types []string
	// From and To keep the events recorded at or after From and at or
	// before To; the zero time does not bound.
	From, To time.Time
	// After is the position of the last event of the previous page; the
	// zero Position starts at the beginning.
	After eventstore.Position
	// Limit is the page size, 1 to MaxLimit.
	Limit int
}

// HistoryPage is one page of a history, in the global order.
type HistoryPage struct {
	Data    []eventstore.RecordedEvent
	HasMore bool
}

// keeps reports whether an event passes the request's filters.
func (req HistoryRequest) keeps(rec eventstore.RecordedEvent) bool {
	return req.After.Less(rec.Position) && (len(req.Types) == 0 || slices.Contains(req.Types, rec.Type)) &&
		(req.From.IsZero() || !rec.Created.Before(req.From)) && (req.To.IsZero() || !rec.Created.After(req.To))
}

// indexed is an index row: where an event of the history is.
type indexed struct {
	stream   string
	revision uint64
}

// CampaignHistory returns a page of one of the account's campaigns'
// history: its stream's events and its devices' events that name it. The
// page reads the index, then only the streams it names: the campaign
// stream's range and the page's device streams, in one read each.
func (h *History) CampaignHistory(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, req HistoryRequest) (HistoryPage, error) {
	const op = "projections.CampaignHistory"
	if err := h.owned(ctx, account, campaign); err != nil {
		return HistoryPage{}, fmt.Errorf("%s: %w", op, err)
	}
	rows, err := h.pool.Query(ctx, `SELECT stream_id, revision FROM campaign_history
		WHERE campaign_id = $1 AND (commit_position, prepare_position) > ($2, $3)
		AND (cardinality($4::text[]) = 0 OR event_type = ANY($4))
		AND ($5::timestamptz IS NULL OR recorded_at >= $5) AND ($6::timestamptz IS NULL OR recorded_at <= $6)
		ORDER BY commit_position, prepare_position LIMIT $7`,
		campaign, int64(req.After.Commit), int64(req.After.Prepare), append([]string{}, req.Types...), timeOrNil(req.From), timeOrNil(req.To), req.Limit+1)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("%s: %w", op, err)
	}
	index, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (indexed, error) {
		var i indexed
		var rev int64
		err := row.Scan(&i.stream, &rev)
		i.revision = uint64(rev)
		return i, err
	})
	if err != nil {
		return HistoryPage{}, fmt.Errorf("%s: %w", op, err)
	}
	page := HistoryPage{}
	if len(index) > req.Limit {
		index, page.HasMore = index[:req.Limit], true
	}
	page.Data, err = h.read(ctx, domain.CampaignStream(campaign), index)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("%s: %w", op, err)
	}
	return page, nil
}

// owned answers not found unless the campaign is the account's; a deleted
// campaign keeps its history.
func (h *History) owned(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) error {
	var ok bool
	err := h.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM campaigns WHERE id = $1 AND account_id = $2)`, campaign, account).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return domain.NotFoundError{Object: "update campaign", ID: string(campaign)}
	}
	return nil
}

// read returns the indexed events, in the index's order: the campaign
// stream's from its first to its last indexed revision, the device
// streams whole (a device's stream is short), keeping the indexed ones.
func (h *History) read(ctx context.Context, campaignStream string, index []indexed) ([]eventstore.RecordedEvent, error) {
	var first, last uint64
	var devices []string
	seen := map[string]bool{}
	for _, i := range index {
		switch {
		case i.stream == campaignStream && (!seen[campaignStream] || i.revision < first):
			first, seen[campaignStream] = i.revision, true
		case i.stream != campaignStream && !seen[i.stream]:
			devices, seen[i.stream] = append(devices, i.stream), true
		}
		if i.stream == campaignStream {
			last = max(last, i.revision)
		}
	}
	byStream := map[string][]eventstore.RecordedEvent{}
	if seen[campaignStream] {
		recs, err := h.events.ReadStream(ctx, campaignStream, eventstore.ReadStreamOptions{From: first, Max: int(last-first) + 1})
		if err != nil {
			return nil, err
		}
		byStream[campaignStream] = recs
	}
	if len(devices) > 0 {
		read, err := h.events.ReadStreams(ctx, devices)
		if err != nil {
			return nil, err
		}
		for s, recs := range read {
			byStream[s] = recs
		}
	}
	out := make([]eventstore.RecordedEvent, 0, len(index))
	for _, i := range index {
		rec, ok := atRevision(byStream[i.stream], i.revision)
		if !ok {
			return nil, fmt.Errorf("the event store has no event at revision %d of %s", i.revision, i.stream)
		}
		out = append(out, rec)
	}
	return out, nil
}

// atRevision finds the event at revision in a stream's events, which are
// in revision order.
func atRevision(recs []eventstore.RecordedEvent, revision uint64) (eventstore.RecordedEvent, bool) {
	i, found := slices.BinarySearchFunc(recs, revision, func(r eventstore.RecordedEvent, rev uint64) int {
		switch {
		case r.Revision < rev:
			return -1
		case r.Revision > rev:
			return 1
		}
		return 0
	})
	if !found {
		return eventstore.RecordedEvent{}, false
	}
	return recs[i], true
}

// deviceHistoryChunk is how many events of a device stream one read takes.
const deviceHistoryChunk = 500

// DeviceHistory returns a page of the history of one of the account's
// devices: its stream, read in chunks from the start until the page is
// full. Another account's device has another stream, so it is not found.
func (h *History) DeviceHistory(ctx context.Context, account domain.AccountID, device domain.DeviceID, req HistoryRequest) (HistoryPage, error) {
	stream := domain.DeviceStream(account, device)
	var page HistoryPage
	for from := uint64(0); ; {
		recs, err := h.events.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from, Max: deviceHistoryChunk})
		switch {
		case errors.Is(err, eventstore.ErrStreamNotFound) && from == 0:
			return HistoryPage{}, fmt.Errorf("projections.DeviceHistory: %w", domain.NotFoundError{Object: "device", ID: string(device)})
		case errors.Is(err, eventstore.ErrStreamNotFound):
			return page, nil // read to the end
		}
		if err != nil {
			return HistoryPage{}, fmt.Errorf("projections.DeviceHistory: %w", err)
		}
		for _, rec := range recs {
			if !req.keeps(rec) {
				continue
			}
			if len(page.Data) == req.Limit {
				page.HasMore = true
				return page, nil
			}
			page.Data = append(page.Data, rec)
		}
		if len(recs) < deviceHistoryChunk {
			return page, nil
		}
		from = recs[len(recs)-1].Revision + 1
	}
}

// timeOrNil is t as a query parameter, NULL for the zero time.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
