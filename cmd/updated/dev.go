package main

import (
	"fmt"
	"io"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/domain"
)

// devCredentials are the credentials made at start when the configuration
// gives none, so that `make run` works with zero configuration: an API key
// of account dev, and that account's connector credentials, which fleetsim
// takes to play its connector. Empty fields were configured, not made.
type devCredentials struct {
	APIKey        string
	ConnectorKey  string
	WebhookSecret string
}

// addDevCredentials makes account dev's API key when API_KEYS is unset,
// and its connector credentials when CONNECTOR_ACCOUNTS has none for it.
// The values are random per start: nothing outside this process can know
// them before they are printed.
func (c *Config) addDevCredentials() devCredentials {
	var dev devCredentials
	if len(c.APIKeys) > 0 {
		return dev
	}
	dev.APIKey = newDevKey()
	c.APIKeys = map[string]httpapi.Grant{dev.APIKey: {Account: devAccount, Role: httpapi.RoleAdmin}}
	if _, ok := c.ConnectorAccounts[devAccount]; ok {
		return dev
	}
	if c.ConnectorAccounts == nil {
		c.ConnectorAccounts = map[domain.AccountID]ConnectorAccount{}
	}
	dev.ConnectorKey, dev.WebhookSecret = "devconnector_"+newDevKey()[4:], "devwebhook_"+newDevKey()[4:]
	c.ConnectorAccounts[devAccount] = ConnectorAccount{Key: dev.ConnectorKey, WebhookSecret: dev.WebhookSecret}
	return dev
}

// print tells how to use the credentials made, with the fleetsim command
// that plays account dev's connector.
func (dev devCredentials) print(w io.Writer, base string) {
	if dev.APIKey == "" {
		fmt.Fprintf(w, "  try: curl -s %s/readyz\n", base)
		return
	}
	fmt.Fprintf(w, "  development API key (account %q): %s\n", devAccount, dev.APIKey)
	fmt.Fprintf(w, "  try: curl -s -H 'Authorization: Bearer %s' %s/v3/update-campaigns\n", dev.APIKey, base)
	if dev.ConnectorKey == "" {
		return
	}
	fmt.Fprintf(w, "  development connector key %s and webhook secret %s (account %q)\n", dev.ConnectorKey, dev.WebhookSecret, devAccount)
	fmt.Fprintf(w, "  simulated devices: bin/fleetsim -api %s -account %s:%s:%s:%s\n", base, devAccount, dev.APIKey, dev.ConnectorKey, dev.WebhookSecret)
}
