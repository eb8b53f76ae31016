package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/updateservice/updateservice/domain"
)

// IdempotencyKeys keeps the Idempotency-Keys of the accounts' writes: the
// request each key was first used with (its fingerprint) and, once
// answered, the answer, which a retry with the key gets replayed.
// postgres.IdempotencyKeys implements it.
type IdempotencyKeys interface {
	// Claim takes the account's key for a request with fingerprint and
	// returns "" when it did: the caller must then Complete or Release
	// it. Otherwise it returns the fingerprint the key was first used
	// with and that request's answer, nil while it is in flight.
	Claim(ctx context.Context, account, key, fingerprint string) (first string, answer []byte, err error)
	// Complete stores the answer of the request that claimed the key.
	Complete(ctx context.Context, account, key string, answer []byte) error
	// Release frees a claimed key whose request failed, so that a retry
	// runs again.
	Release(ctx context.Context, account, key string) error
}

// maxKeyLength bounds an Idempotency-Key, as Stripe does.
const maxKeyLength = 255

// headerReplayed marks an answer replayed from a key's first request.
const headerReplayed = "Idempotent-Replayed"

// keptHeaders are the headers an answer is stored and replayed with.
var keptHeaders = []string{"Content-Type", "Location", "ETag"}

// errKeyInFlight answers a request whose key's first request is in flight.
var errKeyInFlight = statusError{http.StatusConflict, "conflict",
	"a request with this Idempotency-Key is still being answered; retry after it answered"}

// idempotency is a write's Idempotency-Key and its request's fingerprint.
type idempotency struct {
	key string
	fp  fingerprint
}

// idempotencyKey keys a request's idempotency in its context.
type idempotencyKey struct{}

// idempotencyOf returns the request's key, set by idempotent.
func idempotencyOf(ctx context.Context) (idempotency, bool) {
	i, ok := ctx.Value(idempotencyKey{}).(idempotency)
	return i, ok
}

// fingerprint tells requests with one key apart: a retry has the same.
type fingerprint struct {
	method, path, bodySHA256 string
}

// String is the stored form, e.g. "POST /v3/devices sha256=ab12…"; the
// path is escaped, so it holds no space.
func (f fingerprint) String() string { return f.method + " " + f.path + " sha256=" + f.bodySHA256 }

func parseFingerprint(s string) fingerprint {
	method, rest, _ := strings.Cut(s, " ")
	path, sum, _ := strings.Cut(rest, " sha256=")
	return fingerprint{method, path, sum}
}

// keyReused answers a key sent again with another request than its first.
func keyReused(key string, first, now fingerprint) error {
	what := fmt.Sprintf("%s %s, not %s %s", first.method, first.path, now.method, now.path)
	if first.method == now.method && first.path == now.path {
		what = fmt.Sprintf("%s %s and another body", first.method, first.path)
	}
	return statusError{http.StatusUnprocessableEntity, "validation_error", fmt.Sprintf(
		"Idempotency-Key %q was first used with %s: send a new key for a new request, the same request to retry", key, what)}
}

// checkKey refuses a key that is too long or not printable text.
func checkKey(key string) error {
	if len(key) > maxKeyLength {
		return domain.InvalidError{Field: "Idempotency-Key", Reason: fmt.Sprintf("is %d bytes long; at most %d are taken", len(key), maxKeyLength)}
	}
	if !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return domain.InvalidError{Field: "Idempotency-Key", Reason: "must be printable UTF-8 text, such as a UUID"}
	}
	return nil
}

// idempotent makes a write (POST, PUT, PATCH, DELETE) sent with an
// Idempotency-Key take effect once per account and key: the first
// request runs and its answer is stored, unless it is 5xx (the retry then
// runs again); a retry of the same request gets that answer replayed
// with Idempotent-Replayed: true, and does not run; the key with another
// request answers 422, and while the first is in flight 409. Reads ignore
// the header. It buffers the body to fingerprint it: put it after
// limitBody.
func (d Deps) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get(headerIdempotencyKey))
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			key = ""
		}
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		idem, err := requestIdempotency(r, key)
		if err != nil {
			writeError(w, r, d.Log, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), idempotencyKey{}, idem))
		if d.IdempotencyKeys == nil {
			next.ServeHTTP(w, r)
			return
		}
		account := string(accountOf(r.Context()))
		first, answer, err := d.IdempotencyKeys.Claim(r.Context(), account, key, idem.fp.String())
		switch {
		case err != nil:
			writeError(w, r, d.Log, err)
		case first == "":
			d.answerOnce(w, r, next, account, key)
		case first != idem.fp.String():
			writeError(w, r, d.Log, keyReused(key, parseFingerprint(first), idem.fp))
		case answer == nil:
			w.Header().Set("Retry-After", "1")
			writeError(w, r, d.Log, errKeyInFlight)
		default:
			replay(w, r, d.Log, answer)
		}
	})
}

// requestIdempotency checks the key and fingerprints the request, whose
// body it reads and puts back for the handler.
func requestIdempotency(r *http.Request, key string) (idempotency, error) {
	if err := checkKey(key); err != nil {
		return idempotency{}, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return idempotency{}, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	// As StripSlashes routes it: /v3/devices/ is /v3/devices.
	path := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	return idempotency{key: key, fp: fingerprint{r.Method, path, hex.EncodeToString(sum[:])}}, nil
}

// answerOnce runs the request that claimed key and stores its answer, or
// releases the key when the answer is 5xx or the handler panicked.
func (d Deps) answerOnce(w http.ResponseWriter, r *http.Request, next http.Handler, account, key string) {
	// The request's own context may be cancelled by now (a client gone, the
	// timeout): the key must be completed or released all the same.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	stored := false
	defer func() {
		if stored {
			return
		}
		if err := d.IdempotencyKeys.Release(ctx, account, key); err != nil {
			d.Log.Error("idempotency key not released: retries answer 409 until its lease ends", "account", account, "error", err)
		}
	}()
	rec := &recorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	if rec.status >= 500 {
		return
	}
	if err := d.IdempotencyKeys.Complete(ctx, account, key, rec.answer()); err != nil {
		d.Log.Error("idempotency key's answer not stored: a retry runs again", "account", account, "error", err)
		return
	}
	stored = true
}
