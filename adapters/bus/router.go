package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// Router is the service's one Watermill router: a handler per queue of
// Queues, each with the same middleware chain.
type Router struct {
	router      *message.Router
	ps          *PubSub
	handlers    Handlers
	log         *slog.Logger
	metrics     *Metrics
	retryPolicy RetryPolicy
}

// Option tunes a Router.
type Option func(*Router)

// WithRetry sets the retry policy of every handler.
func WithRetry(p RetryPolicy) Option {
	return func(r *Router) { r.retryPolicy = p.withDefaults() }
}

// NewRouter returns the router of every queue on ps, sending to h. A nil
// logger logs to slog.Default; nil metrics count nothing. Run it.
func NewRouter(ps *PubSub, h Handlers, log *slog.Logger, metrics *Metrics, opts ...Option) (*Router, error) {
	var missing []error
	if h.Commands == nil {
		missing = append(missing, errors.New("Handlers.Commands is required"))
	}
	if h.ReadModels == nil {
		missing = append(missing, errors.New("Handlers.ReadModels is required"))
	}
	if h.Sender == nil {
		missing = append(missing, errors.New("Handlers.Sender is required"))
	}
	if h.Available == nil {
		missing = append(missing, errors.New("Handlers.Available is required"))
	}
	if err := errors.Join(missing...); err != nil {
		return nil, fmt.Errorf("bus.NewRouter: %w", err)
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	log = logger(log)
	wr, err := message.NewRouter(message.RouterConfig{CloseTimeout: 30 * time.Second}, watermill.NewSlogLogger(log))
	if err != nil {
		return nil, fmt.Errorf("bus.NewRouter: %w", err)
	}
	r := &Router{router: wr, ps: ps, handlers: h, log: log, metrics: metrics, retryPolicy: RetryPolicy{}.withDefaults()}
	for _, o := range opts {
		o(r)
	}
	for _, q := range Queues {
		dispatch, ok := dispatchers[q.Name]
		if !ok {
			return nil, fmt.Errorf("bus.NewRouter: queue %s has no dispatcher", q.Name)
		}
		sub, err := ps.subscriberFor(q.ConsumerGroup)
		if err != nil {
			return nil, fmt.Errorf("bus.NewRouter: subscriber of %s: %w", q.Name, err)
		}
		handler := wr.AddConsumerHandler(q.Handler, q.Name, sub, func(msg *message.Message) error {
			_, err := r.handle(q, dispatch)(msg)
			return err
		})
		// First added is outermost.
		handler.AddMiddleware(r.correlation, r.poison(q), r.retry(q), middleware.Recoverer, metrics.middleware(q.Handler))
	}
	return r, nil
}

// Run consumes the queues until ctx ends or Close is called. On the
// in-process bus, senders wait until the handlers have subscribed.
func (r *Router) Run(ctx context.Context) error {
	go func() {
		select {
		case <-r.router.Running():
			r.ps.markReady()
		case <-ctx.Done():
		}
	}()
	return r.router.Run(ctx)
}

// Running is closed once every handler has subscribed.
func (r *Router) Running() chan struct{} { return r.router.Running() }

// Close stops the handlers, waiting up to 30s for the messages in hand.
func (r *Router) Close() error { return r.router.Close() }
