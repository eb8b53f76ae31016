package projections_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// campaignerDevicesWorld is one campaign f1 of acme whose devices ended
// every way, d1 in a second campaign f2 too, and another account's d1 in
// its campaign g1.
func campaignerDevicesWorld(t *testing.T) *projections.Queries {
	w := newWorld(t)
	w.manifest(acme, "m1", "class-a")
	w.campaign(acme, "f1", "fleet", "m1")
	w.campaign(acme, "f2", "lab", "m1")
	for _, d := range []domain.DeviceID{"d1", "d2", "d3", "d4", "d5", "d6"} {
		w.device(acme, d, "class-a", "fw0")
	}
	w.device(other, "d1", "class-a", "fw0")
	for _, d := range []domain.DeviceID{"d1", "d2", "d3", "d4", "d5"} {
		w.enroll(acme, d, "f1")
	}
	w.skip(acme, "d6", "f1", domain.SkipAlreadyUpdated)
	w.walk(acme, "d1", "f1", 101, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateFailed)
	w.walk(acme, "d2", "f1", 0, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel)
	w.emit(domain.DeviceStream(acme, "d2"), domain.DeviceUpdateStateChanged{CampaignID: "f1", From: domain.UpdateUpdatedConnectorChannel,
		To: domain.UpdateFailed, FailureCode: "INSTALL_FAILED", Reason: "the image did not verify", At: w.now()})
	w.walk(acme, "d3", "f1", 0, domain.UpdateScheduled, domain.UpdateTimedOut)
	w.walk(acme, "d4", "f1", 0, domain.UpdateScheduled, domain.UpdateFailedConnectorChannelUpdate)
	w.walk(acme, "d5", "f1", 0, domain.UpdateScheduled, domain.UpdateDeployed)
	w.enroll(acme, "d1", "f2")
	w.manifest(other, "m9", "class-a")
	w.campaign(other, "g1", "theirs", "m9")
	w.enroll(other, "d1", "g1")
	return w.project()
}

func TestCampaignerDeviceQueries(t *testing.T) {
	q := campaignerDevicesWorld(t)
	ctx := testCtx(t)

	t.Run("a device's campaigns are those it has an update in, of its account", func(t *testing.T) {
		got := map[string][]domain.CampaignID{}
		for _, k := range []struct {
			account domain.AccountID
			device  domain.DeviceID
		}{{acme, "d1"}, {acme, "d5"}, {acme, "d6"}, {acme, "nobody"}, {other, "d1"}, {other, "d2"}} {
			cs, err := q.DeviceCampaigns(ctx, k.account, k.device)
			if err != nil {
				t.Fatal(err)
			}
			ids := []domain.CampaignID{}
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			got[string(k.account)+"/"+string(k.device)] = ids
		}
		want := map[string][]domain.CampaignID{"acme/d1": {"f1", "f2"}, "acme/d5": {"f1"}, "acme/d6": {}, "acme/nobody": {},
			string(other) + "/d1": {"g1"}, string(other) + "/d2": {}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("campaigns (-want +got):\n%s", diff)
		}
	})

	t.Run("the failed devices page by device id with Campaigner's failure codes", func(t *testing.T) {
		var got [][]projections.FailedInstallation
		for after := domain.DeviceID(""); ; {
			page, err := q.FailedInstallations(ctx, acme, "f1", after, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].DeviceID
		}
		want := [][]projections.FailedInstallation{
			{{DeviceID: "d1", FailureCode: "101"}, {DeviceID: "d2", FailureCode: "INSTALL_FAILED", Description: "the image did not verify"}},
			{{DeviceID: "d3", FailureCode: projections.FailureDeviceUpdateProcess}, {DeviceID: "d4", FailureCode: projections.FailureAssignUpdate}},
			{},
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if page, err := q.FailedInstallations(ctx, other, "f1", "", 10); err != nil || len(page) != 0 {
			t.Errorf("another account's failed devices: %v, %v", page, err)
		}
	})
}
