package main

import (
	"strings"
	"testing"
	"time"
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
