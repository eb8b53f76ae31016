package domain

import "testing"

// TestCampaignerDeviceStatus checks each update state against the meaning
// of Campaigner's device statuses: requested until the engine takes the
// device, accepted once its update is assigned and under way, and the
// outcome after.
func TestCampaignerDeviceStatus(t *testing.T) {
	want := map[UpdateState]string{
		UpdatePending:                      "requested",
		UpdateQueued:                       "requested", // waiting for its other campaign
		UpdateSkipped:                      "rejected",
		UpdateRejected:                     "rejected",
		UpdateAwaitingConsent:              "scheduled", // awaiting the user's consent
		UpdateAccepted:                     "accepted",
		UpdateScheduled:                    "accepted", // the manifest write is recorded: not awaiting consent
		UpdateUpdatedConnectorChannel:      "accepted",
		UpdateDownloading:                  "accepted",
		UpdateInstalling:                   "accepted",
		UpdateDeployed:                     "successful",
		UpdateFailedConnectorChannelUpdate: "failed",
		UpdateFailed:                       "failed",
		UpdateTimedOut:                     "failed",
		UpdateCancelled:                    "cancelled",
		UpdateManifestRemoved:              "cancelled",
		UpdateDeregistered:                 "cancelled",
	}
	for _, s := range UpdateStates {
		if got := s.CampaignerStatus(); got != want[s] {
			t.Errorf("%s: got Campaigner status %q, want %q", s, got, want[s])
		}
	}
}
