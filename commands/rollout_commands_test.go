package commands_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestApprovePauseResumeCommands(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	awaiting := func(id domain.CampaignID) []domain.Event {
		created := campaignCreated(id, acme, 10)
		created.ApprovalRequired = true
		return []domain.Event{created, domain.CampaignStartRequested{Phase: domain.PhaseAwaitingApproval, At: at(9)}}
	}
	draft, active := draftCampaign, activeCampaign
	paused := func(id domain.CampaignID) []domain.Event {
		return append(active(id), domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "night", At: at(5)})
	}
	foreign := func(id domain.CampaignID) []domain.Event {
		created := campaignCreated(id, globex, 10)
		created.ApprovalRequired = true
		return []domain.Event{created, domain.CampaignStartRequested{Phase: domain.PhaseAwaitingApproval, At: at(9)}}
	}
	foreignActive := func(id domain.CampaignID) []domain.Event {
		events := active(id)
		events[0] = campaignCreated(id, globex, 10)
		return events
	}
	missing := func(domain.CampaignID) []domain.Event { return nil }
	approve := func(id domain.CampaignID) error {
		_, err := f.h.ApproveCampaign(ctx, commands.ApproveCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	pause := func(reason string) func(domain.CampaignID) error {
		return func(id domain.CampaignID) error {
			_, err := f.h.PauseCampaign(ctx, commands.PauseCampaign{Meta: meta("cmd"), CampaignID: id, Reason: reason})
			return err
		}
	}
	resume := func(id domain.CampaignID) error {
		_, err := f.h.ResumeCampaign(ctx, commands.ResumeCampaign{Meta: meta("cmd"), CampaignID: id})
		return err
	}
	runCampaignCases(t, f, "r", []campaignCase{
		{name: "a campaign awaiting approval is approved and starts", given: awaiting, when: approve,
			then: []domain.Event{domain.CampaignApproved{Phase: domain.PhaseStarting, At: now}}},
		{name: "a draft is not approved", given: draft, when: approve, wantKind: kind(domain.KindConflict)},
		{name: "another account's campaign is not found for approve", given: foreign, when: approve, wantKind: kind(domain.KindNotFound)},
		{name: "a missing campaign is not found for approve", given: missing, when: approve, wantKind: kind(domain.KindNotFound)},
		{name: "an active campaign is paused with the user's reason", given: active, when: pause("night"),
			then: []domain.Event{domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "night", At: now}}},
		{name: "an active campaign paused without a reason gets the default one", given: active, when: pause(""),
			then: []domain.Event{domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "paused by a user", At: now}}},
		{name: "a paused campaign paused again records nothing", given: paused, when: pause("again")},
		{name: "a draft is not paused", given: draft, when: pause(""), wantKind: kind(domain.KindConflict)},
		{name: "a reason with a control character is invalid", given: active, when: pause("a\x00b"), wantKind: kind(domain.KindInvalid)},
		{name: "another account's campaign is not found for pause", given: foreignActive, when: pause(""), wantKind: kind(domain.KindNotFound)},
		{name: "a paused campaign is resumed", given: paused, when: resume, then: []domain.Event{domain.CampaignResumed{At: now}}},
		{name: "an active campaign that is not paused is not resumed", given: active, when: resume, wantKind: kind(domain.KindConflict)},
		{name: "another account's campaign is not found for resume", given: foreignActive, when: resume, wantKind: kind(domain.KindNotFound)},
	})
}
