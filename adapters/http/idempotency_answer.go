package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// storedAnswer is an answer as kept for a key's retries: the handler's
// status, kept headers and body.
type storedAnswer struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   []byte            `json:"body"`
}

// recorder passes an answer on to the client and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// answer encodes the recorded answer for the store.
func (r *recorder) answer() []byte {
	a := storedAnswer{Status: r.status, Header: map[string]string{}, Body: r.body.Bytes()}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	for _, name := range keptHeaders {
		if v := r.Header().Get(name); v != "" {
			a.Header[name] = v
		}
	}
	data, err := json.Marshal(a)
	if err != nil {
		panic(err) // a struct of strings and bytes: failing to encode it is a bug
	}
	return data
}

// replay answers what a key's first request was answered.
func replay(w http.ResponseWriter, r *http.Request, log *slog.Logger, stored []byte) {
	var a storedAnswer
	if err := json.Unmarshal(stored, &a); err != nil {
		writeError(w, r, log, fmt.Errorf("replaying an idempotent answer: %w", err))
		return
	}
	for name, v := range a.Header {
		w.Header().Set(name, v)
	}
	w.Header().Set(headerReplayed, "true")
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}
