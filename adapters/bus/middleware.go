package bus

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The middleware chain, the same on every handler, outermost first:
//
//  1. correlation: the message's correlation id (set to the message id
//     when it has none) and the record of its outcome;
//  2. poison: a message that fails for good goes to QueuePoison with the
//     reason and its queue, and is acked, so the messages behind it go on
//     (unless a dependency is away: see Handlers.Available);
//  3. retry: conflicts and infrastructure errors (domain.KindInternal,
//     domain.ErrSendNotRecorded among them) are tried again with
//     exponential backoff; invalid messages and panics are not;
//  4. recoverer: a panic becomes an error;
//  5. metrics: each attempt is timed and counted by outcome.
//
// Inside them the handler decodes, validates and sends the command. A
// domain rejection (invalid, not found, conflict, forbidden) is final:
// the handler logs it and acks the message, which then changed nothing.

// tracker records what became of one message, for the in-process
// publisher waiting for it and for the metrics.
type tracker struct {
	result   commands.Result
	rejected error // the domain refused the command
	failed   error // the message went to the poison queue for this
}

type trackerKey struct{}

// trackerOf returns the message's tracker; a fresh one outside the chain.
func trackerOf(msg *message.Message) *tracker {
	if t, ok := msg.Context().Value(trackerKey{}).(*tracker); ok {
		return t
	}
	return &tracker{}
}

// correlation is the outermost middleware. It gives every message a
// correlation id, tracks its outcome and, once the message is acked,
// tells the intake the message waits no more and hands the outcome to an
// in-process sender waiting for it.
func (r *Router) correlation(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		middleware.SetCorrelationID(msg.UUID, msg)
		t := &tracker{}
		msg.SetContext(context.WithValue(msg.Context(), trackerKey{}, t))
		out, err := h(msg)
		if err == nil {
			if r.handlers.Intake != nil {
				r.handlers.Intake.Recorded(msg.UUID)
			}
			r.ps.done(msg.UUID, *t)
		}
		return out, err
	}
}

// maxReason bounds the reason kept with a poisoned message: a panic's
// stack is long.
const maxReason = 4096

// poison sends a message that failed for good to the poison queue and
// acks it. While the router shuts down, a failing message is nacked
// instead, so that it is delivered again after the restart.
func (r *Router) poison(q Queue) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err == nil || msg.Context().Err() != nil {
				return out, err
			}
			if retryable(err) && r.dependencyAway(msg.Context()) {
				r.log.Warn("bus: a dependency is away; the message will be delivered again", "queue", q.Name,
					"message_id", msg.UUID, "error", err)
				return out, err
			}
			poisoned := message.NewMessage(msg.UUID, msg.Payload)
			for k, v := range msg.Metadata {
				poisoned.Metadata.Set(k, v)
			}
			reason := err.Error()
			if len(reason) > maxReason {
				reason = reason[:maxReason] + "…"
			}
			poisoned.Metadata.Set(MetadataReason, reason)
			poisoned.Metadata.Set(MetadataOriginalQueue, q.Name)
			if len(msg.Payload) > MaxPayloadBytes {
				// The poison queue has the same size limit: keep the facts only.
				poisoned.Payload = nil
				poisoned.Metadata.Set(MetadataPayloadBytes, strconv.Itoa(len(msg.Payload)))
			}
			if perr := r.ps.publisher.Publish(QueuePoison, poisoned); perr != nil {
				r.log.Error("bus: poison queue unavailable; the message will be delivered again",
					"queue", q.Name, "message_id", msg.UUID, "reason", reason, "error", perr)
				return out, err
			}
			r.metrics.poison(q.Name)
			trackerOf(msg).failed = err
			r.log.Error("bus: message sent to the poison queue", "queue", q.Name, "message_id", msg.UUID,
				"correlation_id", middleware.MessageCorrelationID(msg), "reason", reason)
			return nil, nil
		}
	}
}

// dependencyAway reports whether the availability check fails, so that
// a failure is the outage's rather than the message's.
func (r *Router) dependencyAway(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return r.handlers.Available(ctx) != nil
}

// RetryPolicy bounds the retries of a failing message. Zero fields take
// the defaults.
type RetryPolicy struct {
	// First is the wait before the first retry (default 100ms); each
	// further wait doubles, up to Max (default 5s).
	First, Max time.Duration
	// For bounds the time spent retrying one message (default 1m); Attempts
	// bounds the retries (default 20). Past either, the message goes to the
	// poison queue with the last error. Retrying holds up the messages
	// behind it on its partition (on its queue, in process), so both stay
	// short: a message that cannot apply for longer is kept in the poison
	// queue, never dropped.
	For      time.Duration
	Attempts int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.First, 100*time.Millisecond)
	def(&p.Max, 5*time.Second)
	def(&p.For, time.Minute)
	if p.Attempts <= 0 {
		p.Attempts = 20
	}
	return p
}

// retry is Watermill's retry middleware limited to the errors worth
// retrying.
func (r *Router) retry(q Queue) message.HandlerMiddleware {
	p := r.retryPolicy
	return middleware.Retry{
		MaxRetries:      p.Attempts,
		InitialInterval: p.First,
		MaxInterval:     p.Max,
		Multiplier:      2,
		MaxElapsedTime:  p.For,
		ShouldRetry: func(params middleware.RetryParams) bool {
			if !retryable(params.Err) {
				return false
			}
			r.metrics.retried(q.Handler)
			r.log.Warn("bus: handler failed; retrying", "queue", q.Name, "retry", params.RetryNum+1, "in", params.Delay, "error", params.Err)
			return true
		},
	}.Middleware
}

// retryable reports whether an error may go away when tried again: a
// store conflict, an async response before its send (both
// domain.KindInternal, as every infrastructure failure), never an invalid
// message, a domain rejection or a panic.
func retryable(err error) bool {
	var (
		invalid  *InvalidMessageError
		panicked middleware.RecoveredPanicError
	)
	switch {
	case errors.As(err, &invalid), errors.As(err, &panicked), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, domain.ErrSendNotRecorded):
		return true
	}
	return domain.KindOf(err) == domain.KindInternal
}

// handle is a queue's handler: decode, validate, send the command, and
// settle domain rejections.
func (r *Router) handle(q Queue, dispatch dispatcher) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		meta := commands.Meta{CommandID: msg.UUID, CausationID: msg.UUID, CorrelationID: middleware.MessageCorrelationID(msg)}
		res, err := dispatch(msg.Context(), r.handlers, msg.Payload, meta)
		var invalid *InvalidMessageError
		switch {
		case err == nil:
			trackerOf(msg).result = res
			return nil, nil
		case errors.As(err, &invalid) || retryable(err):
			return nil, err
		}
		trackerOf(msg).rejected = err
		r.log.Warn("bus: command refused; message acked", "queue", q.Name, "message_id", msg.UUID,
			"correlation_id", meta.CorrelationID, "kind", domain.KindOf(err).String(), "error", err)
		return nil, nil
	}
}

// logger is the router's log; slog.Default when none is given.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
