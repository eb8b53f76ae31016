// Package connector is the device connector adapter: a client of a Pelion
// Device Management Connect-style API that writes the firmware manifest
// resource (/10252/0/1) of a device. Every account has credentials of its
// own at the connector (Pelion gives each account its Connect API keys),
// and a write goes out with its account's key, so the connector knows
// whose device it is: the same device id in two accounts names two
// devices. The connector answers the write with
// 202 at once; the device's answer comes back later on the service's
// notification webhook as an async response carrying the async id chosen
// here, followed by update-state and update-result notifications.
package connector

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// ManifestResource is the LwM2M firmware-update object's manifest resource,
// the one the service writes to start a device's update.
const ManifestResource = "/10252/0/1"

// DefaultTimeout bounds one request when NewClient is given no HTTP client:
// a connector that does not answer in time counts as unavailable, and the
// caller retries instead of holding a send slot forever.
const DefaultTimeout = 10 * time.Second

// IdleConnections is how many connections to one connector the default
// client keeps open between writes. A campaign writes many manifests at
// once (commands.SendManifests, 32 per batch, batches in parallel); with
// Go's default of 2, every write past the second would dial and close a
// connection of its own.
const IdleConnections = 64

// maxErrorBody bounds how much of an error answer is read into the error's
// message.
const maxErrorBody = 4 << 10

// Account is one account's settings at the device connector.
type Account struct {
	// URL is the base URL (scheme, host and optional path prefix) of the
	// connector that serves the account; empty: the client's default.
	URL string
	// APIKey is the account's key at the connector, sent as a Bearer
	// token on every write for the account's devices.
	APIKey string
}

// Client writes resources to devices through a device connector, each
// write with the credentials of the account the device belongs to.
type Client struct {
	accounts map[domain.AccountID]Account
	http     *http.Client
}

// NewClient returns a client that writes for the given accounts, each to
// its own URL or else to defaultURL. An account missing from accounts has
// no write sent for it: SendManifest answers a *NotConfiguredError. A nil
// httpClient means one with DefaultTimeout; a given one should carry its
// own timeout, as the context alone may have no deadline.
func NewClient(defaultURL string, accounts map[domain.AccountID]Account, httpClient *http.Client) *Client {
	if httpClient == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = IdleConnections
		httpClient = &http.Client{Timeout: DefaultTimeout, Transport: transport}
	}
	own := make(map[domain.AccountID]Account, len(accounts))
	for id, a := range accounts {
		if a.URL == "" {
			a.URL = defaultURL
		}
		a.URL = strings.TrimRight(a.URL, "/")
		own[id] = a
	}
	return &Client{accounts: own, http: httpClient}
}

// deviceRequest is the body of Connect's device-requests API.
type deviceRequest struct {
	Method      string `json:"method"`
	URI         string `json:"uri"`
	ContentType string `json:"content-type"`
	PayloadB64  string `json:"payload-b64"`
}

// SendManifest asks the connector to write manifest to the manifest
// resource of account's device, with the account's key, tagged with
// asyncID: the device's answer comes back on the webhook as an async
// response with that id. nil means the connector accepted the write, not
// that the device got it.
//
// The error is a *NotConfiguredError (errors.Is ErrNotConfigured, and
// permanent) when the client has no credentials for the account: nothing
// is sent. Otherwise it is a *RejectedError (errors.Is ErrRejected) when the connector
// refused the request with a 4xx status other than 408 or 429: sending the
// same request again cannot succeed. Otherwise it is an
// *UnavailableError (errors.Is ErrUnavailable): a 5xx, 408 or 429 status,
// a timeout or a network error, worth retrying later with the same async
// id.
func (c *Client) SendManifest(ctx context.Context, account domain.AccountID, device domain.DeviceID, asyncID string, manifest []byte) error {
	settings, ok := c.accounts[account]
	if !ok {
		return &NotConfiguredError{Account: account, Device: device}
	}
	body, err := json.Marshal(deviceRequest{
		Method: http.MethodPut, URI: ManifestResource, ContentType: "application/octet-stream",
		PayloadB64: base64.StdEncoding.EncodeToString(manifest),
	})
	if err != nil {
		return fmt.Errorf("connector.SendManifest: %w", err)
	}
	target := settings.URL + "/v2/device-requests/" + url.PathEscape(string(device)) + "?async-id=" + url.QueryEscape(asyncID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("connector.SendManifest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if settings.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+settings.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &UnavailableError{Device: device, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	message := errorMessage(resp.Body)
	if temporaryStatus(resp.StatusCode) {
		return &UnavailableError{Device: device, Status: resp.StatusCode, Message: message, RetryAfter: retryAfter(resp.Header)}
	}
	return &RejectedError{Device: device, Status: resp.StatusCode, Message: message}
}

// temporaryStatus reports whether a non-2xx status may go away by itself:
// server errors, request timeouts and rate limiting. Every other 4xx means
// the request itself is wrong, as are 1xx and 3xx, which a Connect API
// never sends.
func temporaryStatus(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

// errorMessage reads the message of an error answer: the message field of
// a Pelion error object, or the start of the body as text.
func errorMessage(body io.Reader) string {
	raw, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	var object struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &object) == nil && object.Message != "" {
		return object.Message
	}
	return strings.TrimSpace(string(raw))
}

// retryAfter reads a Retry-After header given in seconds; zero when absent
// or in another form.
func retryAfter(h http.Header) time.Duration {
	var seconds int
	if _, err := fmt.Sscanf(h.Get("Retry-After"), "%d", &seconds); err != nil || seconds < 0 {
		return 0
	}
	return time.Duration(seconds) * time.Second
}
