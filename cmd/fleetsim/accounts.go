package main

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// account is an account fleetsim plays the device connector for, with the
// three credentials that link the service and the connector: the API key
// that registers the account's devices with the service, the connector
// key the service sends on the account's manifest writes (which tells
// fleetsim whose device a write is for), and the webhook secret fleetsim
// sends on the account's notifications.
type account struct {
	Name          string
	Key           string
	ConnectorKey  string
	WebhookSecret string
}

// parseAccount reads "account:api-key:connector-key:webhook-secret".
func parseAccount(s string) (account, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 4 || slices.Contains(parts, "") {
		return account{}, errors.New("want account:api-key:connector-key:webhook-secret")
	}
	a := account{Name: parts[0], Key: parts[1], ConnectorKey: parts[2], WebhookSecret: parts[3]}
	if err := domain.AccountID(a.Name).Validate(); err != nil {
		return account{}, err
	}
	return a, nil
}

// parseAccounts reads -account values (FLEETSIM_ACCOUNTS's when there are
// none), each one or several comma-separated entries. A problem names the
// entry's account, never its keys: the flag package would quote the whole
// value, so the flags are read as text and parsed here.
func parseAccounts(values []string, env string) ([]account, error) {
	source := "-account"
	if len(values) == 0 && env != "" {
		values, source = []string{env}, "FLEETSIM_ACCOUNTS"
	}
	var accounts []account
	var problems []error
	for _, v := range values {
		for entry := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(entry) == "" {
				continue
			}
			a, err := parseAccount(entry)
			if err != nil {
				problems = append(problems, fmt.Errorf("%s entry of account %q: %w", source, strings.SplitN(strings.TrimSpace(entry), ":", 2)[0], err))
				continue
			}
			accounts = append(accounts, a)
		}
	}
	return accounts, errors.Join(problems...)
}

// accountsProblem checks that the accounts can be told apart: by name,
// and by the connector key a write carries.
func accountsProblem(accounts []account) error {
	if len(accounts) == 0 {
		return errors.New("-account is required: account:api-key:connector-key:webhook-secret (or FLEETSIM_ACCOUNTS)")
	}
	names, keys := map[string]bool{}, map[string]bool{}
	var problems []error
	for _, a := range accounts {
		if names[a.Name] {
			problems = append(problems, fmt.Errorf("-account %s is given twice", a.Name))
		}
		if keys[a.ConnectorKey] {
			problems = append(problems, fmt.Errorf("-account %s: its connector key is another account's, so writes could not be told apart", a.Name))
		}
		names[a.Name], keys[a.ConnectorKey] = true, true
	}
	return errors.Join(problems...)
}

// expectPath is where account k's expectations go: the -expect-json path
// itself with one account, else the path with the account's name before
// the extension (expected.json → expected.acme.json).
func expectPath(path string, accounts []account, k int) string {
	if len(accounts) == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + accounts[k].Name + ext
}

// connector is the simulated device connector of every account: a write
// goes to the simulator of the account whose connector key it carries, so
// the same device id in two accounts names two devices, each with its own
// script, answered on the webhook with its own account's secret.
type connector struct {
	sims  []*simulator
	byKey map[string]*simulator
}

func newConnector(sims []*simulator) *connector {
	c := &connector{sims: sims, byKey: map[string]*simulator{}}
	for _, s := range sims {
		c.byKey[s.account.ConnectorKey] = s
	}
	return c
}

// handler serves the part of Connect's API the service uses.
func (c *connector) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/device-requests/{device}", c.deviceRequest)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

// deviceRequest hands a write to its account's simulator, found by the
// connector key it carries; a write without a known key answers 401, as
// Connect does.
func (c *connector) deviceRequest(w http.ResponseWriter, r *http.Request) {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	sim, ok := c.byKey[strings.TrimSpace(key)]
	if !strings.EqualFold(scheme, "Bearer") || !ok {
		connectError(w, http.StatusUnauthorized, "missing or unknown connector key")
		return
	}
	sim.deviceRequest(w, r)
}
