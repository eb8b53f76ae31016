package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/updateservice/updateservice/commands"
)

// Publisher puts messages on the queues: what the HTTP API, the device
// connector's webhook and the campaign engine use instead of calling the
// command handlers, so that every way in reaches the same handlers.
type Publisher struct {
	ps *PubSub
}

// NewPublisher returns a publisher on ps.
func NewPublisher(ps *PubSub) *Publisher { return &Publisher{ps: ps} }

// SendOption sets what a message carries beside its payload.
type SendOption func(*message.Message)

// WithMessageID sets the message id, which becomes the command id: a
// message sent again with the same id records its events once. Default: a
// new random id.
func WithMessageID(id string) SendOption {
	return func(m *message.Message) { m.UUID = id }
}

// WithCorrelationID sets the correlation id that the events the message
// causes carry (the HTTP request's, or the causing event's). Default: the
// message id.
func WithCorrelationID(id string) SendOption {
	return func(m *message.Message) {
		if id != "" {
			m.Metadata.Set(MetadataCorrelationID, id)
		}
	}
}

// ErrNotHandled says an in-process message was not handled: the router
// closed before it took the message.
var ErrNotHandled = errors.New("bus: no handler took the message")

// Send validates m and puts it on its queue, keyed by m.Key().
//
// On the in-process bus it returns once the handler is done, with the
// command's result or its error: a domain rejection as the domain error
// (its kind intact), an invalid message as *InvalidMessageError, a
// message whose retries ran out as the last error. On Kafka it returns
// once every in-sync replica has the message, with a zero Result; the
// outcome is then the handler's business (logs, metrics, poison queue).
// An invalid m is refused before anything is sent.
func (p *Publisher) Send(ctx context.Context, m Message, opts ...SendOption) (commands.Result, error) {
	if err := m.Validate(); err != nil {
		return commands.Result{}, &InvalidMessageError{Queue: m.Queue(), Err: err}
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return commands.Result{}, fmt.Errorf("bus.Send %s: %w", m.Queue(), err)
	}
	return p.SendRaw(ctx, m.Queue(), m.Key(), payload, opts...)
}

// SendRaw puts a payload on a queue as it is, without validation: for
// tools, tests and benchmarks that must send what a foreign producer
// would. It returns as Send does.
func (p *Publisher) SendRaw(ctx context.Context, queue, key string, payload []byte, opts ...SendOption) (commands.Result, error) {
	msg := message.NewMessage(watermill.NewUUID(), payload)
	if key != "" {
		msg.Metadata.Set(MetadataKey, key)
	}
	for _, o := range opts {
		o(msg)
	}
	if !p.ps.inProcess {
		if err := p.ps.publisher.Publish(queue, msg); err != nil {
			return commands.Result{}, fmt.Errorf("bus.Send %s: %w", queue, err)
		}
		return commands.Result{}, nil
	}
	select {
	case <-p.ps.ready:
	case <-ctx.Done():
		return commands.Result{}, ctx.Err()
	}
	outcome := make(chan tracker, 1)
	p.ps.waiters.Store(msg.UUID, outcome)
	defer p.ps.waiters.Delete(msg.UUID)
	published := make(chan error, 1)
	go func() { published <- p.ps.publisher.Publish(queue, msg) }()
	select {
	case err := <-published:
		if err != nil {
			return commands.Result{}, fmt.Errorf("bus.Send %s: %w", queue, err)
		}
	case <-ctx.Done():
		return commands.Result{}, ctx.Err()
	}
	select {
	case t := <-outcome:
		switch {
		case t.failed != nil:
			return commands.Result{}, t.failed
		case t.rejected != nil:
			return commands.Result{}, t.rejected
		}
		return t.result, nil
	default:
		return commands.Result{}, fmt.Errorf("bus.Send %s: %w", queue, ErrNotHandled)
	}
}
