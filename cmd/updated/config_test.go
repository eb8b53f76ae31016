package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/domain"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8084" || c.SchedulerBatchSize != 200 || c.SchedulerDelay != 10*time.Second ||
		c.SchedulerPollingTimeout != 10*time.Second || !c.DBMigrate || c.ProjectionBatchSize != 1000 || c.RateLimit != 200 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestConfigNamesEveryProblem(t *testing.T) {
	_, err := loadConfig(env(map[string]string{
		"DB_URL": "mysql://x", "HTTP_ADDR": "nope", "SCHEDULER_BATCH_SIZE": "-1",
		"SCHEDULER_DELAY": "soon", "DB_MIGRATE": "perhaps", "RATE_LIMIT": "-5", "TRUSTED_GATEWAY": "maybe",
	}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, name := range []string{"DB_URL", "HTTP_ADDR", "SCHEDULER_BATCH_SIZE", "SCHEDULER_DELAY", "DB_MIGRATE", "RATE_LIMIT", "TRUSTED_GATEWAY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestConfigUserAndPasswordOverrideTheURL(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DB_URL": "postgres://a:b@db:5432/x", "DB_USER": "svc", "DB_PASSWORD": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.databaseURL(); got != "postgres://svc:s3cret@db:5432/x" {
		t.Errorf("databaseURL() = %q", got)
	}
	if got := maskURL(c.databaseURL()); strings.Contains(got, "s3cret") {
		t.Errorf("masked URL shows the password: %q", got)
	}
}

func TestConfigReadsAPIKeys(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "API_KEYS": "k1:acme, k2:globex:operator,k3:acme:auditor,k4:globex:admin",
		"CONNECTOR_ACCOUNTS": "acme:ck1:wh1,globex:ck2:wh2"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]httpapi.Grant{"k1": {Account: "acme", Role: httpapi.RoleAdmin}, "k2": {Account: "globex", Role: httpapi.RoleOperator},
		"k3": {Account: "acme", Role: httpapi.RoleAuditor}, "k4": {Account: "globex", Role: httpapi.RoleAdmin}}
	if diff := cmp.Diff(want, c.APIKeys); diff != "" {
		t.Errorf("APIKeys (-want +got):\n%s", diff)
	}
	var out strings.Builder
	c.print(&out)
	if !strings.Contains(out.String(), "4 key(s) (2 admin, 1 operator, 1 auditor) for account(s) acme, globex") || strings.Contains(out.String(), "k1") {
		t.Errorf("printed configuration shows keys or misses the accounts:\n%s", out.String())
	}
}

func TestConfigWithoutAPIKeysLeavesThemEmpty(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil || len(c.APIKeys) != 0 {
		t.Errorf("APIKeys = %v, %v; want none", c.APIKeys, err)
	}
}

func TestConfigNamesEveryBadAPIKeyWithoutShowingKeys(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"API_KEYS":           "secret1:acme,secret2,:acme,secret3:bad-account,secret1:globex,sec ret4:acme,secret5:acme:root,secret6:acme:auditor:x,secret7:acme:",
		"CONNECTOR_ACCOUNTS": "acme:ck:wh"}))
	if err == nil {
		t.Fatal("invalid API_KEYS accepted")
	}
	msg := err.Error()
	for _, want := range []string{"API_KEYS", "entry 2 is not key:account", "entry 3 is not key:account", "entry 4:", "bad-account", "entry 5: the key is given twice", "entry 6: the key contains a space",
		`entry 7: unknown role "root"`, "entry 8 is not key:account or key:account:role", `entry 9: unknown role ""`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error shows a key:\n%s", msg)
	}
}

func TestConfigReadsEachAccountsConnectorCredentials(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "API_KEYS": "k1:acme,k2:globex",
		"CONNECTOR_ACCOUNTS": "acme:ck-acme:wh-acme, globex:ck-globex:wh-globex:https://connect.example:8443/globex"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[domain.AccountID]ConnectorAccount{"acme": {Key: "ck-acme", WebhookSecret: "wh-acme"},
		"globex": {Key: "ck-globex", WebhookSecret: "wh-globex", URL: "https://connect.example:8443/globex"}}
	if diff := cmp.Diff(want, c.ConnectorAccounts); diff != "" {
		t.Errorf("ConnectorAccounts (-want +got):\n%s", diff)
	}
	if got := c.webhookSecrets(); !cmp.Equal(got, map[string]domain.AccountID{"wh-acme": "acme", "wh-globex": "globex"}) {
		t.Errorf("webhookSecrets() = %v", got)
	}
	var out strings.Builder
	c.print(&out)
	if !strings.Contains(out.String(), "2 account(s): acme, globex at https://connect.example:8443/globex") || strings.Contains(out.String(), "ck-") || strings.Contains(out.String(), "wh-") {
		t.Errorf("printed configuration shows secrets or misses the accounts:\n%s", out.String())
	}
}

func TestConfigNamesEveryBadConnectorAccountWithoutShowingSecrets(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"API_KEYS": "secret-api:acme,secret-api2:globex,secret-api3:initech,secret-api4:umbrella",
		"CONNECTOR_ACCOUNTS": "acme:secret-ck1:secret-wh1,globex:secret-ck2,bad-account:secret-ck3:secret-wh3," +
			"acme:secret-ck4:secret-wh4,initech:secret-ck5:secret-wh1,umbrella:secret-ck6:secret-api:ftp://x,hooli:secret ck7:secret-wh7",
	}))
	if err == nil {
		t.Fatal("invalid CONNECTOR_ACCOUNTS accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"entry 2 is not account:connector-key:webhook-secret",
		"entry 3:", "bad-account",
		"entry 4: account acme is given twice",
		"entry 6 (account umbrella): connector URL \"ftp://x\" is not an http(s) URL",
		"entry 7 (account hooli): the connector key contains a space",
		"no entry for account globex of API_KEYS",
		"no entry for account umbrella of API_KEYS",
		"accounts acme and initech have the same webhook secret",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "secret-") {
		t.Errorf("error shows a key or secret:\n%s", msg)
	}
}

func TestConfigRefusesAnAPIKeyAsAWebhookSecret(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"API_KEYS": "shared-secret:acme,k2:globex", "CONNECTOR_ACCOUNTS": "acme:ck1:wh1,globex:ck2:shared-secret"}))
	if err == nil || !strings.Contains(err.Error(), "the webhook secret of account globex is an API key of API_KEYS (of account acme)") {
		t.Errorf("got %v, want the webhook secret that is an API key named", err)
	}
}

func TestZeroConfigurationMakesDevelopmentCredentials(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil {
		t.Fatal(err)
	}
	dev := c.addDevCredentials()
	if dev.APIKey == "" || c.APIKeys[dev.APIKey] != (httpapi.Grant{Account: devAccount, Role: httpapi.RoleAdmin}) {
		t.Errorf("API keys %v, want the development key %q of account dev", c.APIKeys, dev.APIKey)
	}
	got, ok := c.ConnectorAccounts[devAccount]
	if !ok || got.Key != dev.ConnectorKey || got.WebhookSecret != dev.WebhookSecret || got.Key == "" || got.WebhookSecret == "" ||
		got.WebhookSecret == dev.APIKey || got.Key == got.WebhookSecret {
		t.Errorf("connector credentials %+v, development credentials %+v: want three distinct ones for dev", got, dev)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the development configuration does not validate: %v", err)
	}
	var out strings.Builder
	dev.print(&out, "http://localhost:8084")
	if want := "bin/fleetsim -api http://localhost:8084 -account dev:" + dev.APIKey + ":" + dev.ConnectorKey + ":" + dev.WebhookSecret; !strings.Contains(out.String(), want) {
		t.Errorf("greeting does not say %q:\n%s", want, out.String())
	}

	configured, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "API_KEYS": "k1:acme", "CONNECTOR_ACCOUNTS": "acme:ck:wh"}))
	if err != nil {
		t.Fatal(err)
	}
	if dev := configured.addDevCredentials(); dev != (devCredentials{}) || len(configured.ConnectorAccounts) != 1 {
		t.Errorf("configured credentials got development ones added: %+v, %v", dev, configured.ConnectorAccounts)
	}
}

func TestConfigRateLimitZeroIsOff(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "RATE_LIMIT": "0"}))
	if err != nil || c.RateLimit != 0 {
		t.Fatalf("RateLimit = %d, %v; want 0", c.RateLimit, err)
	}
	var out strings.Builder
	c.print(&out)
	if !strings.Contains(out.String(), "RATE_LIMIT=0 (no limit)") {
		t.Errorf("printed configuration:\n%s", out.String())
	}
}

func TestConfigReadsTheOTAServicesHostsAndPorts(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"DEVICE_REGISTRY_HOST": "device-registry", "DIRECTOR_HOST": "10.0.0.7", "DIRECTOR_PORT": "9001"}))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.DeviceRegistry.URL(), c.Director.URL()}
	if diff := cmp.Diff([]string{"http://device-registry:80", "http://10.0.0.7:9001"}, got); diff != "" {
		t.Errorf("URLs (-want +got):\n%s", diff)
	}
	if c, _ := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"})); c.DeviceRegistry.URL() != "" || c.Director.URL() != "" {
		t.Errorf("unset, the services are %q and %q, want none", c.DeviceRegistry.URL(), c.Director.URL())
	}
}

// Given DIRECTOR_HOST, the engine gets a Director; without it, none (a nil
// port, not a nil client in one), so manifests go through the queue.
func TestTheEngineHasADirectorOnlyWhenDirectorHostIsSet(t *testing.T) {
	if d := directorOf(OTAService{}); d != nil {
		t.Errorf("unset, the engine's Director is %#v, want nil", d)
	}
	if d := directorOf(OTAService{Host: "director", Port: 80}); d == nil {
		t.Error("set, the engine has no Director")
	}
}

func TestConfigNamesEveryBadOTAService(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"DEVICE_REGISTRY_HOST": "http://registry:8083", "DIRECTOR_PORT": "70000"}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"DEVICE_REGISTRY_HOST", "DIRECTOR_PORT=\"70000\": not a port", "DIRECTOR_PORT=\"70000\" is set without DIRECTOR_HOST"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %s:\n%v", want, err)
		}
	}
}
