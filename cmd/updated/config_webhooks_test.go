package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWebhookConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil {
		t.Fatal(err)
	}
	want := WebhookConfig{Workers: 4, Timeout: 10 * time.Second, RetryBase: 30 * time.Second, MaxAttempts: 12, Poll: 500 * time.Millisecond}
	if diff := cmp.Diff(want, c.Webhooks); diff != "" {
		t.Errorf("webhook defaults (-want +got):\n%s", diff)
	}
}

func TestWebhookConfigNamesEveryProblem(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "WEBHOOK_WORKERS": "0", "WEBHOOK_TIMEOUT": "0s",
		"WEBHOOK_RETRY_BASE": "soon", "WEBHOOK_MAX_ATTEMPTS": "-1", "WEBHOOK_POLL": "-1s"}
	_, err := loadConfig(env(vars))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for name := range vars {
		if name != "DATABASE_URL" && !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}
