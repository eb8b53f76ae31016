package commands_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// rollout is the campaign spec the tests create.
var rollout = domain.CampaignSpec{Name: "rollout", ManifestID: "m1", DeviceFilter: "device_class__eq=class-a"}

// campaignCreated is the event of campaign id of account created with
// rollout.
func campaignCreated(id domain.CampaignID, account domain.AccountID, when int) domain.CampaignCreated {
	return domain.CampaignCreated{CampaignID: id, AccountID: account, CampaignName: "rollout", ManifestID: "m1",
		DeviceFilter: "device_class__eq=class-a", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: at(when)}
}

// edited is the event of a rollout campaign renamed to name.
func edited(name string, when int) domain.CampaignEdited {
	return domain.CampaignEdited{CampaignName: name, ManifestID: "m1", DeviceFilter: "device_class__eq=class-a",
		Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: at(when)}
}

func TestCreateCampaign(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 20))
	f.given(t, domain.ManifestStream("g1"), manifestRegistered("g1", globex, 20))
	f.given(t, domain.ManifestStream("gone"), manifestRegistered("gone", acme, 20), domain.ManifestDeleted{At: at(19)})

	t.Run("a campaign is created in draft", func(t *testing.T) {
		_, err := f.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta("cc-1"), CampaignID: "c1", Spec: rollout})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 0))
	})
	t.Run("the same command handled twice records its events once", func(t *testing.T) {
		_, err := f.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta("cc-1"), CampaignID: "c1", Spec: rollout})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 0))
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		_, err := f.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta("cc-2"), CampaignID: "c1", Spec: rollout})
		wantKind(t, err, domain.KindConflict)
	})
	for _, manifest := range []domain.ManifestID{"missing", "g1", "gone"} {
		t.Run(fmt.Sprintf("root manifest %s, missing, another account's or deleted, is invalid", manifest), func(t *testing.T) {
			spec := rollout
			spec.ManifestID = manifest
			_, err := f.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta("cc-" + string(manifest)), CampaignID: "c-" + domain.CampaignID(manifest), Spec: spec})
			wantKind(t, err, domain.KindInvalid)
			f.then(t, domain.CampaignStream("c-"+domain.CampaignID(manifest)))
		})
	}
}

func TestEditCampaign(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 20))
	f.given(t, domain.ManifestStream("g1"), manifestRegistered("g1", globex, 20))
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10))
	f.given(t, domain.CampaignStream("gc"), campaignCreated("gc", globex, 10))
	name := func(s string) domain.CampaignEdit { return domain.CampaignEdit{Name: &s} }
	rev := func(r uint64) *uint64 { return &r }

	t.Run("a draft is renamed when the etag matches", func(t *testing.T) {
		_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-1"), CampaignID: "c1", Edit: name("one"), IfMatch: rev(0)})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10), edited("one", 0))
	})
	t.Run("the same command handled twice records its events once, though its etag is stale by then", func(t *testing.T) {
		_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-1"), CampaignID: "c1", Edit: name("one"), IfMatch: rev(0)})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10), edited("one", 0))
	})
	t.Run("a stale etag is a conflict", func(t *testing.T) {
		_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-2"), CampaignID: "c1", Edit: name("two"), IfMatch: rev(0)})
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("another account's root manifest is invalid", func(t *testing.T) {
		m := domain.ManifestID("g1")
		_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-3"), CampaignID: "c1", Edit: domain.CampaignEdit{ManifestID: &m}})
		wantKind(t, err, domain.KindInvalid)
	})
	t.Run("a campaign of another account is not found", func(t *testing.T) {
		_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-4"), CampaignID: "gc", Edit: name("mine")})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.CampaignStream("gc"), campaignCreated("gc", globex, 10))
	})
}

// TestEditAfterAConcurrentWriteIsDecidedAgain plays a writer that edits the
// campaign between the handler's read and its append: the append fails on
// the revision, and the handler reads again and edits on top.
func TestEditAfterAConcurrentWriteIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10))
	var once sync.Once
	f.hooked.beforeAppend = func(ctx context.Context, _ []eventstore.AppendRequest) {
		once.Do(func() { f.given(t, domain.CampaignStream("c1"), edited("theirs", 1)) })
	}
	mine := "mine"

	_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta("ed-1"), CampaignID: "c1", Edit: domain.CampaignEdit{Name: &mine}})

	ok(t, err)
	f.then(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10), edited("theirs", 1), edited("mine", 0))
}

// TestConcurrentEdits runs two editors on one campaign at once: every edit
// lands, retried on the store's conflicts, and none of them escapes.
func TestConcurrentEdits(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10))
	const perEditor = 5 // an editor conflicts at most once per write of the other: below the retry bound
	var wg sync.WaitGroup
	errs := make(chan error, 2*perEditor)
	for editor := range 2 {
		wg.Go(func() {
			for i := range perEditor {
				name := fmt.Sprintf("editor %d edit %d", editor, i)
				_, err := f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta(name), CampaignID: "c1", Edit: domain.CampaignEdit{Name: &name}})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err)
	}
	if got := len(f.events(t, domain.CampaignStream("c1"))); got != 1+2*perEditor {
		t.Errorf("the stream holds %d events, want %d", got, 1+2*perEditor)
	}
}

// TestConcurrentEditsOnOneEtag sends two edits on the same etag at once:
// one lands, the other is refused as a conflict of the domain.
func TestConcurrentEditsOnOneEtag(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 10))
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			name, rev := fmt.Sprintf("edit %d", i), uint64(0)
			_, errs[i] = f.h.EditCampaign(ctx, commands.EditCampaign{Meta: meta(name), CampaignID: "c1", Edit: domain.CampaignEdit{Name: &name}, IfMatch: &rev})
		})
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			wantKind(t, err, domain.KindConflict)
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d edits were refused (%v), want 1", refused, errs)
	}
	if got := len(f.events(t, domain.CampaignStream("c1"))); got != 2 {
		t.Errorf("the stream holds %d events, want 2", got)
	}
}

func TestCampaignLifecycleCommands(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	draft, active := draftCampaign, activeCampaign
	timed := func(id domain.CampaignID) []domain.Event {
		return append(draft(id), domain.CampaignStartRequested{Phase: domain.PhaseTimed, At: at(9)})
	}
	stopped := func(id domain.CampaignID) []domain.Event {
		return append(timed(id), domain.CampaignStopped{State: domain.StateUserStopped, At: at(5)})
	}
	foreign := func(id domain.CampaignID) []domain.Event {
		return []domain.Event{campaignCreated(id, globex, 10), domain.CampaignStartRequested{Phase: domain.PhaseTimed, At: at(9)}}
	}
	missing := func(domain.CampaignID) []domain.Event { return nil }
	del := func(id domain.CampaignID) error {
		_, err := f.h.DeleteCampaign(ctx, commands.DeleteCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	stop := func(id domain.CampaignID) error {
		_, err := f.h.StopCampaign(ctx, commands.StopCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	cancel := func(id domain.CampaignID) error {
		_, err := f.h.CancelCampaign(ctx, commands.CancelCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	archive := func(id domain.CampaignID) error {
		_, err := f.h.ArchiveCampaign(ctx, commands.ArchiveCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	runCampaignCases(t, f, "c", []campaignCase{
		{name: "a draft is deleted", given: draft, when: del, then: []domain.Event{domain.CampaignDeleted{At: now}}},
		{name: "a started campaign is not deleted", given: timed, when: del, wantKind: kind(domain.KindConflict)},
		{name: "a stopped campaign is deleted", given: stopped, when: del, then: []domain.Event{domain.CampaignDeleted{At: now}}},
		{name: "another account's campaign is not found for delete", given: foreign, when: del, wantKind: kind(domain.KindNotFound)},
		{name: "a timed campaign stops at once", given: timed, when: stop, then: []domain.Event{domain.CampaignStopped{State: domain.StateUserStopped, At: now}}},
		{name: "an active campaign goes to stopping", given: active, when: stop, then: []domain.Event{domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: now}}},
		{name: "a draft is not stopped", given: draft, when: stop, wantKind: kind(domain.KindConflict)},
		{name: "a missing campaign is not found for stop", given: missing, when: stop, wantKind: kind(domain.KindNotFound)},
		{name: "another account's campaign is not found for stop", given: foreign, when: stop, wantKind: kind(domain.KindNotFound)},
		{name: "a draft is cancelled at once", given: draft, when: cancel, then: []domain.Event{domain.CampaignStopped{State: domain.StateUserStopped, At: now}}},
		{name: "an active campaign cancelled goes to stopping", given: active, when: cancel, then: []domain.Event{domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: now}}},
		{name: "a stopped campaign is not cancelled", given: stopped, when: cancel, wantKind: kind(domain.KindConflict)},
		{name: "another account's campaign is not found for cancel", given: foreign, when: cancel, wantKind: kind(domain.KindNotFound)},
		{name: "a stopped campaign is archived", given: stopped, when: archive, then: []domain.Event{domain.CampaignArchived{At: now}}},
		{name: "an active campaign is not archived", given: active, when: archive, wantKind: kind(domain.KindConflict)},
		{name: "another account's campaign is not found for archive", given: foreign, when: archive, wantKind: kind(domain.KindNotFound)},
	})
}

// campaignCase is a campaign command's Given/When/Then: the history of a
// campaign of the given id, the command on it, and the events it must
// append, or the kind of error that leaves the stream as it was.
type campaignCase struct {
	name     string
	given    func(domain.CampaignID) []domain.Event
	when     func(domain.CampaignID) error
	then     []domain.Event
	wantKind *domain.Kind
}

// runCampaignCases runs each case on a campaign of its own, named by
// prefix and the case's place.
func runCampaignCases(t *testing.T, f *fixture, prefix string, cases []campaignCase) {
	t.Helper()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := domain.CampaignID(fmt.Sprintf("%s%d", prefix, i))
			history := tc.given(id)
			if len(history) > 0 {
				f.given(t, domain.CampaignStream(id), history...)
			}
			err := tc.when(id)
			if tc.wantKind != nil {
				wantKind(t, err, *tc.wantKind)
				f.then(t, domain.CampaignStream(id), history...)
				return
			}
			ok(t, err)
			f.then(t, domain.CampaignStream(id), append(history, tc.then...)...)
		})
	}
}

// draftCampaign is acme's campaign id in draft.
func draftCampaign(id domain.CampaignID) []domain.Event {
	return []domain.Event{campaignCreated(id, acme, 10)}
}

// activeCampaign is acme's campaign id, active with three devices.
func activeCampaign(id domain.CampaignID) []domain.Event {
	return append(draftCampaign(id), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at(9)},
		domain.CampaignQuotaAllocated{At: at(8)}, domain.CampaignManifestChecked{At: at(8)},
		domain.CampaignBatchProcessed{Batch: 1, Enrolled: 3, Cursor: "d3", Last: true, At: at(7)},
		domain.CampaignPublishing{At: at(7)}, domain.CampaignDeploying{At: at(6)})
}

func kind(k domain.Kind) *domain.Kind { return &k }
