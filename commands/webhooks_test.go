package commands_test

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestRegisterAndDeleteWebhook(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ws := domain.WebhookStream("w1")
	spec := domain.WebhookSpec{URL: "https://ops.example.com/hooks", Description: "ops"}
	register := commands.RegisterWebhook{Meta: meta("w-1"), WebhookID: "w1", Spec: spec}
	var secret string

	t.Run("a webhook is registered with a new 32-byte secret", func(t *testing.T) {
		res, err := f.h.RegisterWebhook(ctx, register)
		ok(t, err)
		got := f.events(t, ws)
		reg, isReg := got[0].(domain.WebhookRegistered)
		if !isReg || len(got) != 1 {
			t.Fatalf("got events %v, want one WebhookRegistered", got)
		}
		if b, err := hex.DecodeString(reg.Secret); err != nil || len(b) != 32 {
			t.Errorf("secret %q is not 32 bytes in hex", reg.Secret)
		}
		secret = reg.Secret
		f.then(t, ws, domain.WebhookRegistered{WebhookID: "w1", AccountID: acme, URL: spec.URL, Secret: secret, Description: "ops", At: now})
		if diff := cmp.Diff(got, res.Stream); diff != "" {
			t.Errorf("Result.Stream differs from the stream (-stream +result):\n%s", diff)
		}
	})
	t.Run("the same command again answers the same secret and records nothing", func(t *testing.T) {
		res, err := f.h.RegisterWebhook(ctx, register)
		ok(t, err)
		if len(res.Stream) != 1 || res.Stream[0].(domain.WebhookRegistered).Secret != secret {
			t.Errorf("Result.Stream = %v, want the first registration with secret %s", res.Stream, secret)
		}
		if got := len(f.events(t, ws)); got != 1 {
			t.Errorf("stream holds %d events, want 1", got)
		}
	})
	t.Run("another registration makes another secret", func(t *testing.T) {
		res, err := f.h.RegisterWebhook(ctx, commands.RegisterWebhook{Meta: meta("w-2"), WebhookID: "w2", Spec: spec})
		ok(t, err)
		if other := res.Stream[0].(domain.WebhookRegistered).Secret; other == secret {
			t.Errorf("two webhooks got the same secret %s", secret)
		}
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		_, err := f.h.RegisterWebhook(ctx, commands.RegisterWebhook{Meta: meta("w-3"), WebhookID: "w1", Spec: spec})
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("another account's webhook is not found", func(t *testing.T) {
		m := meta("d-1")
		m.Account = globex
		_, err := f.h.DeleteWebhook(ctx, commands.DeleteWebhook{Meta: m, WebhookID: "w1"})
		wantKind(t, err, domain.KindNotFound)
	})
	t.Run("a webhook is deleted, then not found", func(t *testing.T) {
		_, err := f.h.DeleteWebhook(ctx, commands.DeleteWebhook{Meta: meta("d-2"), WebhookID: "w1"})
		ok(t, err)
		_, err = f.h.DeleteWebhook(ctx, commands.DeleteWebhook{Meta: meta("d-3"), WebhookID: "w1"})
		wantKind(t, err, domain.KindNotFound)
	})
}
