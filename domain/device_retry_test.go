package domain

import (
	"fmt"
	"testing"
)

// retryPolicy retries failures with result code 3 and timeouts, three
// attempts in all, a minute after the first failure, two after the second.
func retryPolicy() *RetryPolicy {
	return &RetryPolicy{On: []FailureKind{FailureFailed, FailureTimedOut}, Codes: []string{"3"}, MaxAttempts: 3, BackoffSeconds: 60, Factor: 2}
}

// retried is the event of a retry of c1 from state, starting attempt n at minute m.
func retried(from UpdateState, n, m int) DeviceUpdateStateChanged {
	return DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: UpdatePending, Attempt: n,
		Reason: fmt.Sprintf("retry: attempt %d of 3", n), At: at(m)}
}

// TestDeviceRetryUpdate retries an ended update under the policy (rule 9):
// only after its backoff, only the endings and codes the policy lists, up
// to its attempts, and never a device that left the catalog or went on to
// another campaign.
func TestDeviceRetryUpdate(t *testing.T) {
	retry := func(m int) func(*Device) error {
		return func(d *Device) error { return d.RetryUpdate("c1", retryPolicy(), at(m)) }
	}
	failedAgain := with(updateAt(UpdateFailed), retried(UpdateFailed, 2, 3),
		DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateFailed, ResultCode: 3, At: at(4)})
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "a failure with a listed code is retried once its backoff passed, as attempt 2",
			given: updateAt(UpdateFailed), when: retry(3), then: []Event{retried(UpdateFailed, 2, 3)}},
		{name: "a failure is not retried before its backoff passed",
			given: updateAt(UpdateFailed), when: retry(2), err: ConflictError{}},
		{name: "a timed-out update is retried",
			given: updateAt(UpdateTimedOut), when: retry(3), then: []Event{retried(UpdateTimedOut, 2, 3)}},
		{name: "a failed connector channel update is retried",
			given: updateAt(UpdateFailedConnectorChannelUpdate), when: retry(3), then: []Event{retried(UpdateFailedConnectorChannelUpdate, 2, 3)}},
		{name: "the second retry waits twice the backoff",
			given: failedAgain, when: retry(5), err: ConflictError{}},
		{name: "the second retry is attempt 3",
			given: failedAgain, when: retry(6), then: []Event{retried(UpdateFailed, 3, 6)}},
		{name: "after the last attempt the update stays failed",
			given: with(failedAgain, retried(UpdateFailed, 3, 6),
				DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateFailed, ResultCode: 3, At: at(7)}),
			when: retry(60), err: ConflictError{}},
		{name: "a failure with a code the policy does not list is not retried",
			given: with(updateAt(UpdatePending), DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateFailed, ResultCode: 9, At: at(2)}),
			when:  retry(30), err: ConflictError{}},
		{name: "an update retried already is pending and records nothing more",
			given: with(updateAt(UpdateFailed), retried(UpdateFailed, 2, 3)), when: retry(4),
			err: InvalidTransitionError{Object: "device update", From: "pending", To: "pending"}},
		{name: "a deployed update is not retried",
			given: updateAt(UpdateDeployed), when: retry(30),
			err: InvalidTransitionError{Object: "device update", From: "deployed", To: "pending"}},
		{name: "a device in another active campaign meanwhile stays failed",
			given: with(updateAt(UpdateFailed), DeviceEnrolled{CampaignID: "c2", ManifestID: "m1", At: at(2)}),
			when:  retry(30), err: ConflictError{}},
		{name: "a deregistered device is not retried",
			given: with(updateAt(UpdateFailed), DeviceDeregistered{At: at(2)}), when: retry(30),
			err: InvalidTransitionError{Object: "device", From: "deregistered", To: "retried"}},
		{name: "a campaign the device is not in is not found",
			given: updateAt(UpdateFailed), when: func(d *Device) error { return d.RetryUpdate("c2", retryPolicy(), at(30)) },
			err: NotFoundError{Object: "device update", ID: "d1 in campaign c2"}},
		{name: "without a retry policy nothing is retried",
			given: updateAt(UpdateFailed), when: func(d *Device) error { return d.RetryUpdate("c1", nil, at(30)) }, err: ConflictError{}},
	})
}

// TestDeviceRetryMakesTheCampaignActiveAndCountsAttempts checks what a
// retry changes: the update is pending, its attempts counted, and the
// campaign is the device's active one again, so no other campaign enrols it.
func TestDeviceRetryMakesTheCampaignActiveAndCountsAttempts(t *testing.T) {
	d, err := LoadDevice(with(updateAt(UpdateFailed), retried(UpdateFailed, 2, 3)))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := d.Update("c1")
	active, _ := d.ActiveCampaign()
	if u.State != UpdatePending || u.Attempts != 2 || active != "c1" {
		t.Errorf("got state %s, attempts %d, active campaign %q; want pending, 2, c1", u.State, u.Attempts, active)
	}
	if err := d.Enroll("c2", "m1", at(4)); KindOf(err) != KindConflict {
		t.Errorf("enrolling in c2 during the retry: got %v, want a conflict", err)
	}
	fresh, _ := LoadDevice(updateAt(UpdatePending))
	if u, _ := fresh.Update("c1"); u.Attempts != 1 {
		t.Errorf("an enrolled update's attempts: got %d, want 1", u.Attempts)
	}
}
