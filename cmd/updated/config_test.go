package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
		c.SchedulerPollingTimeout != 10*time.Second || !c.DBMigrate || c.ProjectionBatchSize != 1000 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestConfigNamesEveryProblem(t *testing.T) {
	_, err := loadConfig(env(map[string]string{
		"DB_URL": "mysql://x", "HTTP_ADDR": "nope", "SCHEDULER_BATCH_SIZE": "-1",
		"SCHEDULER_DELAY": "soon", "DB_MIGRATE": "perhaps",
	}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, name := range []string{"DB_URL", "HTTP_ADDR", "SCHEDULER_BATCH_SIZE", "SCHEDULER_DELAY", "DB_MIGRATE"} {
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
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "API_KEYS": "k1:acme, k2:globex,k3:acme"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]domain.AccountID{"k1": "acme", "k2": "globex", "k3": "acme"}
	if diff := cmp.Diff(want, c.APIKeys); diff != "" {
		t.Errorf("APIKeys (-want +got):\n%s", diff)
	}
	var out strings.Builder
	c.print(&out)
	if !strings.Contains(out.String(), "3 key(s) for account(s) acme, globex") || strings.Contains(out.String(), "k1") {
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
		"API_KEYS": "secret1:acme,secret2,:acme,secret3:bad-account,secret1:globex,sec ret4:acme"}))
	if err == nil {
		t.Fatal("invalid API_KEYS accepted")
	}
	msg := err.Error()
	for _, want := range []string{"API_KEYS", "entry 2 is not key:account", "entry 3 is not key:account", "entry 4:", "bad-account", "entry 5: the key is given twice", "entry 6: the key contains a space"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error shows a key:\n%s", msg)
	}
}
