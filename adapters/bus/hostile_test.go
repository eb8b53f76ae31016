package bus_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

// hostile is a bad message made from a queue's example.
type hostile struct {
	name    string
	payload []byte
}

// hostileVariants derives the bad messages of a queue from its example:
// malformed JSON, each field with a wrong type, missing fields, unknown
// ids, another account's ids, and an oversized payload.
func hostileVariants(t *testing.T, ex example) []hostile {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(ex.payload, &fields); err != nil {
		t.Fatal(err)
	}
	encode := func(m map[string]any) []byte {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	with := func(change func(map[string]any)) []byte {
		var m map[string]any
		_ = json.Unmarshal(ex.payload, &m)
		change(m)
		return encode(m)
	}
	account := "account_id"
	if _, ok := fields["namespace"]; ok {
		account = "namespace" // Campaigner's name of the account
	}
	out := []hostile{
		{"malformed JSON", ex.payload[:len(ex.payload)/2]},
		{"two objects", append(append([]byte{}, ex.payload...), ex.payload...)},
		{"missing fields", []byte(`{"` + account + `":"acme"}`)},
		{"missing account", with(func(m map[string]any) { delete(m, account) })},
		{"unknown field", with(func(m map[string]any) { m["campain_id"] = "x" })},
		{"oversized", with(func(m map[string]any) { m["padding"] = strings.Repeat("x", bus.MaxPayloadBytes+1) })},
	}
	for k, v := range fields {
		var wrong any
		switch v.(type) {
		case string:
			wrong = 12345
		case float64:
			wrong = "12345"
		case bool:
			wrong = "yes"
		default:
			wrong = map[string]any{"a": 1}
		}
		out = append(out, hostile{"wrong type of " + k, with(func(m map[string]any) { m[k] = wrong })})
	}
	ids := map[string]func(any) any{
		"device_id":     func(any) any { return "nobody" },
		"campaign_id":   func(any) any { return "nothing" },
		"manifest_id":   func(any) any { return "nothing" },
		"async_id":      func(any) any { return domain.AsyncID(acme, campaign, "nobody") },
		"device":        func(any) any { return "nobody" },
		"correlationId": func(any) any { return "urn:here-ota:campaign:nothing" },
		"reached":       func(any) any { return []string{"nobody"} },
		"not_reached":   func(any) any { return []string{"nobody-else"} },
	}
	unknown := with(func(m map[string]any) {
		for k := range m {
			if f, ok := ids[k]; ok {
				m[k] = f(m[k])
			}
		}
	})
	if string(unknown) != string(encode(fields)) {
		// Queues naming only the account (the limits) have no other id:
		// any account may set its own limits.
		out = append(out,
			hostile{"unknown ids", unknown},
			hostile{"another account's ids", with(func(m map[string]any) { m[account] = string(globex) })})
	}
	return out
}

// TestHostileInput sends every queue's bad messages, then its example:
// each bad one ends in the poison queue or as a logged rejection, changes
// nothing, is never retried, and the example behind it takes effect.
func TestHostileInput(t *testing.T) {
	docs := examples(t)
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			for _, q := range bus.Queues {
				t.Run(q.Name, func(t *testing.T) {
					w := newWorld(t, b)
					then := queueCases[q.Name](w)
					before := w.last
					ex := docs[q.Name]
					bad := hostileVariants(t, ex)
					for _, h := range bad {
						err := w.publish(ex.queue, ex.key, h.payload)
						if b == inProcess {
							if err == nil {
								t.Errorf("%s: accepted", h.name)
							}
							if got := w.eventsAfter(before); len(got) > 0 {
								t.Errorf("%s: recorded %s on %s", h.name, got[0].Type, got[0].Stream)
							}
						}
					}
					good := "good-" + q.Handler
					if err := w.publish(ex.queue, ex.key, ex.payload, bus.WithMessageID(good)); err != nil {
						t.Fatalf("the example behind the bad messages was refused: %v", err)
					}
					w.eventually("the example's effect", func() error { return then(before) })
					w.eventually("every bad message handled", func() error {
						invalid, rejected := w.outcomes(q.Handler, "invalid"), w.outcomes(q.Handler, "rejected")
						if invalid+rejected != len(bad) {
							return fmt.Errorf("%d invalid and %d rejected of %d bad messages", invalid, rejected, len(bad))
						}
						if poisoned := len(w.poison.all()); poisoned != invalid {
							return fmt.Errorf("%d messages in the poison queue, want the %d invalid ones", poisoned, invalid)
						}
						return nil
					})
					for _, r := range w.eventsAfter(before) {
						if !strings.HasSuffix(r.Metadata.CausationID, good) {
							t.Errorf("event %s on %s was caused by %q, not the good message", r.Type, r.Stream, r.Metadata.CausationID)
						}
					}
					if n := w.outcomes(q.Handler, "error") + w.outcomes(q.Handler, "panic") + w.retries(q.Handler); n > 0 {
						t.Errorf("%d failed attempts or retries; bad messages must never be retried", n)
					}
					for _, m := range w.poison.all() {
						if m.Metadata.Get(bus.MetadataOriginalQueue) != q.Name || m.Metadata.Get(bus.MetadataReason) == "" {
							t.Errorf("poisoned message without its queue and reason: %v", m.Metadata)
						}
						if len(m.Payload) > bus.MaxPayloadBytes {
							t.Errorf("an oversized payload was kept in the poison queue")
						}
					}
				})
			}
		})
	}
}

// outcomes counts a handler's attempts with an outcome.
func (w *world) outcomes(handler, outcome string) int {
	return int(w.metric("updateservice_bus_handler_duration_seconds", map[string]string{"handler": handler, "outcome": outcome}))
}

// retries counts a handler's retries.
func (w *world) retries(handler string) int {
	return int(w.metric("updateservice_bus_handler_retries_total", map[string]string{"handler": handler}))
}

// metric reads a counter's value or a histogram's count.
func (w *world) metric(name string, labels map[string]string) float64 {
	w.t.Helper()
	families, err := w.reg.Gather()
	if err != nil {
		w.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(labels)
}
