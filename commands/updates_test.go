package commands_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestCreateUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	spec := domain.UpdateSpec{SourceID: "m1", SourceType: domain.SourceExternal, Name: "fw 2"}
	created := domain.UpdateCreated{UpdateID: "u1", AccountID: acme, SourceID: "m1", SourceType: "external", UpdateName: "fw 2", At: now}

	t.Run("an update is created", func(t *testing.T) {
		_, err := f.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: meta("cu-1"), UpdateID: "u1", Spec: spec})
		ok(t, err)
		f.then(t, domain.UpdateStream("u1"), created)
	})
	t.Run("the same command handled twice records its events once", func(t *testing.T) {
		_, err := f.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: meta("cu-1"), UpdateID: "u1", Spec: spec})
		ok(t, err)
		f.then(t, domain.UpdateStream("u1"), created)
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		_, err := f.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: meta("cu-2"), UpdateID: "u1", Spec: spec})
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("an invalid spec records nothing", func(t *testing.T) {
		_, err := f.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: meta("cu-3"), UpdateID: "u2", Spec: domain.UpdateSpec{Name: "x"}})
		wantKind(t, err, domain.KindInvalid)
		f.then(t, domain.UpdateStream("u2"))
	})
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: meta("cu-1"), UpdateID: "u1",
		Spec: domain.UpdateSpec{SourceID: "m1", SourceType: domain.SourceExternal, Name: "fw 2"}})
	ok(t, err)

	t.Run("given an update, its account reads its source id", func(t *testing.T) {
		u, err := f.h.Update(ctx, acme, "u1")
		ok(t, err)
		if got := u.Spec().SourceID; got != "m1" {
			t.Errorf("source id %q, want m1", got)
		}
	})
	t.Run("another account's update is not found", func(t *testing.T) {
		_, err := f.h.Update(ctx, "other", "u1")
		wantKind(t, err, domain.KindNotFound)
	})
	t.Run("an update never created is not found", func(t *testing.T) {
		_, err := f.h.Update(ctx, acme, "u9")
		wantKind(t, err, domain.KindNotFound)
	})
}
