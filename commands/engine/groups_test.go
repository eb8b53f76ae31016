package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// A campaign with device groups (made through Campaigner's API) enrols
// the registered devices of its groups only, through the same device
// pages as any campaign; a retry campaign of it enrols its listed devices.
func TestACampaignWithGroupsEnrolsItsGroupsDevices(t *testing.T) {
	w := newWorld(t, fast)
	w.register("other", 12)
	var regs []commands.DeviceRegistration
	for i := range 15 {
		group := []string{"lab", "field"}[i%2]
		regs = append(regs, commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("grouped-%03d", i)),
			Attributes: domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "digest-1", Mechanism: domain.MechanismConnector,
				Groups: []string{group}}})
	}
	if _, err := w.h.RegisterDevices(context.Background(), commands.RegisterDevices{Meta: w.meta(), Devices: regs}); err != nil {
		t.Fatal(err)
	}
	w.createCampaign("c0", time.Time{}) // registers the sensor manifest
	spec := domain.CampaignSpec{Name: "lab", ManifestID: "m-sensor", DeviceFilter: "state__eq=registered", UpdateID: "u1", Groups: []string{"lab"}}
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: "c1", Spec: spec}); err != nil {
		t.Fatal(err)
	}
	w.requestStart("c1")

	if cp := w.waitPhase("c1", domain.PhaseStopped); cp.Enrolled()+cp.Skipped() != 8 {
		t.Errorf("the campaign took %d devices, want the 8 of group lab", cp.Enrolled()+cp.Skipped())
	}

	// A retry campaign of c1 takes its listed devices only, through the
	// same pages.
	retry := commands.RetryFailedCampaign{Meta: w.meta(), CampaignID: "r1", MainCampaignID: "c1", FailureCode: "E1",
		Devices: []domain.DeviceID{"grouped-000", "grouped-004", "grouped-010"}}
	if _, err := w.h.RetryFailedCampaign(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	if cp := w.waitPhase("r1", domain.PhaseStopped); cp.Enrolled()+cp.Skipped() != 3 {
		t.Errorf("the retry campaign took %d devices, want its 3 listed", cp.Enrolled()+cp.Skipped())
	}
}
