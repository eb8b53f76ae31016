package domain

import "testing"

func TestRetryOfAMainCampaign(t *testing.T) {
	launched := []Event{v2Created(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}
	retried := createdWith(func(e *CampaignCreated) {
		e.CampaignID, e.CampaignName, e.Description, e.UpdateID = "r1", "retryCampaignWith-mainCampaign-c1-failureCode-E1", "", "u1"
		e.MainCampaignID, e.FailureCode, e.Devices, e.At = "c1", "E1", []DeviceID{"d1", "d2"}, at(10)
	})
	for _, tc := range []struct {
		name  string
		given []Event
		then  []Event
		err   error
	}{
		{name: "a launched campaign's failures make a retry campaign that starts at once, auto-accepted", given: launched,
			then: []Event{retried, CampaignStartRequested{Phase: PhaseStarting, At: at(10)}}},
		{name: "a finished campaign's failures are retried too",
			given: with(launched, CampaignStopRequested{Reason: StateUserStopped, At: at(5)}, CampaignStopped{State: StateUserStopped, At: at(6)}),
			then:  []Event{retried, CampaignStartRequested{Phase: PhaseStarting, At: at(10)}}},
		{name: "a prepared campaign is not retried", given: []Event{v2Created()},
			err: InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "retried"}},
		{name: "a retry campaign is not retried", given: []Event{retried, CampaignStartRequested{Phase: PhaseStarting, At: at(11)}},
			err: InvalidTransitionError{Object: "campaign", From: "starting/allocatingquota", To: "retried"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			main, err := LoadCampaign(tc.given)
			checkErr(t, err, nil)
			c, err := NewRetryCampaign("r1", main, "E1", []DeviceID{"d2", "d1"}, at(10))
			checkErr(t, err, tc.err)
			if tc.err == nil {
				checkEvents(t, c.Changes(), tc.then)
			}
		})
	}
}

func TestRetryNameShowsTheMainCampaignAsCampaignerDoes(t *testing.T) {
	got := RetryName("0123456789abcdef0123456789abcdef", "E1")
	if want := "retryCampaignWith-mainCampaign-01234567-89ab-cdef-0123-456789abcdef-failureCode-E1"; got != want {
		t.Errorf("RetryName = %q, want %q", got, want)
	}
}
