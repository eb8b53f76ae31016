package main

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/updateservice/updateservice/adapters/connector"
	"github.com/updateservice/updateservice/domain"
)

// ConnectorAccount is one account's credentials with the device
// connector: Pelion gives every account Connect credentials of its own, so
// the connector knows whose device a write is for, and the notification
// channel knows whose devices a report is about.
type ConnectorAccount struct {
	// Key is the account's key at the connector, sent as a Bearer token
	// on every manifest write for the account's devices.
	Key string
	// WebhookSecret is what the connector presents as a Bearer token on
	// the notification channel (POST /v3/connector/notifications) for the
	// account: it records reports of this account's devices only.
	WebhookSecret string
	// URL is the connector serving the account; empty: CONNECTOR_URL.
	URL string
}

// connectorAccounts parses CONNECTOR_ACCOUNTS: entries
// account:connector-key:webhook-secret[:connector-url] separated by
// commas. Keys and secrets hold no colon, comma or space; the URL is the
// rest of the entry, colons included. Every problem is reported, by entry
// and account, never showing a key or a secret.
func connectorAccounts(into *map[domain.AccountID]ConnectorAccount) func(string) error {
	return func(v string) error {
		accounts := map[domain.AccountID]ConnectorAccount{}
		var problems []error
		for i, entry := range strings.Split(v, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			parts := strings.SplitN(entry, ":", 4)
			if len(parts) < 3 || parts[1] == "" || parts[2] == "" {
				problems = append(problems, fmt.Errorf("entry %d is not account:connector-key:webhook-secret[:connector-url]", i+1))
				continue
			}
			account, a := domain.AccountID(parts[0]), ConnectorAccount{Key: parts[1], WebhookSecret: parts[2]}
			if len(parts) == 4 {
				a.URL = parts[3]
			}
			if err := account.Validate(); err != nil {
				problems = append(problems, fmt.Errorf("entry %d: %v", i+1, err))
				continue
			}
			if err := a.check(); err != nil {
				problems = append(problems, fmt.Errorf("entry %d (account %s): %w", i+1, account, err))
				continue
			}
			if _, dup := accounts[account]; dup {
				problems = append(problems, fmt.Errorf("entry %d: account %s is given twice", i+1, account))
				continue
			}
			accounts[account] = a
		}
		*into = accounts
		return errors.Join(problems...)
	}
}

// check names the first problem of one account's entry.
func (a ConnectorAccount) check() error {
	switch {
	case strings.ContainsAny(a.Key, " \t"):
		return errors.New("the connector key contains a space")
	case strings.ContainsAny(a.WebhookSecret, " \t"):
		return errors.New("the webhook secret contains a space")
	case a.URL != "" && !httpURL(a.URL):
		return fmt.Errorf("connector URL %q is not an http(s) URL", a.URL)
	}
	return nil
}

// httpURL reports whether s is an absolute http(s) URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// connectorProblems checks the accounts' connector credentials against
// the API keys: every account with an API key can run campaigns, so it
// needs credentials (a write for an account without them is never sent,
// and its devices fail with that reason); a webhook secret belongs to one
// account and is no API key, or a tenant's key would let its holder
// report for devices on the notification channel.
func (c Config) connectorProblems() error {
	var problems []error
	apiAccounts := map[domain.AccountID]bool{}
	for key, grant := range c.APIKeys {
		account := grant.Account
		apiAccounts[account] = true
		for other, a := range c.ConnectorAccounts {
			if a.WebhookSecret == key {
				problems = append(problems, fmt.Errorf("CONNECTOR_ACCOUNTS: the webhook secret of account %s is an API key of API_KEYS (of account %s): give the connector a secret of its own", other, account))
			}
		}
	}
	for _, account := range slices.Sorted(maps.Keys(apiAccounts)) {
		if _, ok := c.ConnectorAccounts[account]; !ok {
			problems = append(problems, fmt.Errorf("CONNECTOR_ACCOUNTS has no entry for account %s of API_KEYS: give account:connector-key:webhook-secret, or its campaigns' writes to devices fail unsent", account))
		}
	}
	secrets := map[string]domain.AccountID{}
	for _, account := range slices.Sorted(maps.Keys(c.ConnectorAccounts)) {
		secret := c.ConnectorAccounts[account].WebhookSecret
		if other, dup := secrets[secret]; dup {
			problems = append(problems, fmt.Errorf("CONNECTOR_ACCOUNTS: accounts %s and %s have the same webhook secret: each account needs its own", other, account))
		}
		secrets[secret] = account
	}
	return errors.Join(problems...)
}

// connectorClientAccounts is what the connector client needs of the
// accounts' credentials.
func (c Config) connectorClientAccounts() map[domain.AccountID]connector.Account {
	out := make(map[domain.AccountID]connector.Account, len(c.ConnectorAccounts))
	for id, a := range c.ConnectorAccounts {
		out[id] = connector.Account{URL: a.URL, APIKey: a.Key}
	}
	return out
}

// webhookSecrets maps each account's webhook secret to the account, for
// the notification channel.
func (c Config) webhookSecrets() map[string]domain.AccountID {
	out := make(map[string]domain.AccountID, len(c.ConnectorAccounts))
	for id, a := range c.ConnectorAccounts {
		out[a.WebhookSecret] = id
	}
	return out
}

// describeConnectorAccounts names the accounts with connector credentials
// and their URLs, never a key or a secret.
func describeConnectorAccounts(accounts map[domain.AccountID]ConnectorAccount) string {
	if len(accounts) == 0 {
		return "(unset: development credentials are made at start)"
	}
	var names []string
	for _, id := range slices.Sorted(maps.Keys(accounts)) {
		name := string(id)
		if u := accounts[id].URL; u != "" {
			name += " at " + maskURL(u)
		}
		names = append(names, name)
	}
	return fmt.Sprintf("%d account(s): %s (keys and secrets not shown)", len(accounts), strings.Join(names, ", "))
}
