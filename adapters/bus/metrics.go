package bus

import (
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the handlers do, for Prometheus: the service's
// /metrics exposes them from the registerer given to NewMetrics. Prometheus
// client_golang is the design's choice for metrics; Watermill's own
// components/metrics would count attempts only as success or failure,
// while operators of the queues need to tell domain rejections (normal,
// acked) from invalid messages and failures (poison).
type Metrics struct {
	handled  *prometheus.HistogramVec
	retries  *prometheus.CounterVec
	poisoned *prometheus.CounterVec
}

// The outcomes of one handler attempt, the label "outcome".
const (
	outcomeOK       = "ok"       // the command ran (or had run before)
	outcomeRejected = "rejected" // the domain refused it: logged and acked
	outcomeInvalid  = "invalid"  // the payload is not a valid message: poisoned
	outcomeError    = "error"    // a conflict or infrastructure error: retried
	outcomePanic    = "panic"    // a bug: poisoned
)

// NewMetrics registers the bus metrics with reg:
// updateservice_bus_handler_duration_seconds{handler,outcome} (its count is
// the number of attempts, its sum their time),
// updateservice_bus_handler_retries_total{handler} and
// updateservice_bus_messages_poisoned_total{queue}.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		handled: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "updateservice", Subsystem: "bus", Name: "handler_duration_seconds",
			Help:    "Time of each handler attempt, by handler and outcome (ok, rejected, invalid, error, panic).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"handler", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "updateservice", Subsystem: "bus", Name: "handler_retries_total",
			Help: "Attempts repeated after a conflict or infrastructure error, by handler.",
		}, []string{"handler"}),
		poisoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "updateservice", Subsystem: "bus", Name: "messages_poisoned_total",
			Help: "Messages sent to the poison queue, by the queue they came from.",
		}, []string{"queue"}),
	}
	for _, c := range []prometheus.Collector{m.handled, m.retries, m.poisoned} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// middleware times each attempt and counts it by outcome. It is the
// innermost middleware, so each retry is one more attempt; a panic is
// counted and passed on to the recoverer.
func (m *Metrics) middleware(handler string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) (out []*message.Message, err error) {
			if m == nil {
				return h(msg)
			}
			started := time.Now()
			outcome := outcomePanic
			defer func() {
				m.handled.WithLabelValues(handler, outcome).Observe(time.Since(started).Seconds())
			}()
			out, err = h(msg)
			var invalid *InvalidMessageError
			switch {
			case err == nil && trackerOf(msg).rejected != nil:
				outcome = outcomeRejected
			case err == nil:
				outcome = outcomeOK
			case errors.As(err, &invalid):
				outcome = outcomeInvalid
			default:
				outcome = outcomeError
			}
			return out, err
		}
	}
}

func (m *Metrics) retried(handler string) {
	if m != nil {
		m.retries.WithLabelValues(handler).Inc()
	}
}

func (m *Metrics) poison(queue string) {
	if m != nil {
		m.poisoned.WithLabelValues(queue).Inc()
	}
}
