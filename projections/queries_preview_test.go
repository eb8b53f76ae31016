package projections_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// facts reads every device a selection matches with MatchingDeviceFacts.
func facts(t *testing.T, q *projections.Queries, account domain.AccountID, sel domain.DeviceSelection) map[domain.DeviceID]domain.DeviceFacts {
	t.Helper()
	out := map[domain.DeviceID]domain.DeviceFacts{}
	var order []domain.DeviceID
	err := q.MatchingDeviceFacts(testCtx(t), account, sel, func(id domain.DeviceID, f domain.DeviceFacts) error {
		out[id] = f
		order = append(order, id)
		return nil
	})
	if err != nil {
		t.Fatalf("MatchingDeviceFacts(%+v): %v", sel, err)
	}
	if paged, err := q.MatchingDevices(testCtx(t), account, sel, "", 1000); err != nil || !cmp.Equal(order, paged) {
		t.Errorf("MatchingDeviceFacts(%+v) read %v; the start pages %v (%v)", sel, order, paged, err)
	}
	return out
}

func testMatchingDeviceFacts(t *testing.T, q *projections.Queries) {
	registered := func(class, firmware string, active domain.CampaignID) domain.DeviceFacts {
		return domain.DeviceFacts{State: domain.DeviceRegisteredState, DeviceClass: class, FirmwareHash: firmware, ActiveCampaign: active}
	}
	got := facts(t, q, acme, domain.DeviceSelection{Filter: "id__in=d03,d05,d06,d07,d08"})
	want := map[domain.DeviceID]domain.DeviceFacts{
		"d03": registered("c2", "fw-old", ""), "d05": registered("c1", "fw-old", ""), "d06": registered("c1", "fw-new", ""),
		"d07": {State: domain.DeviceDeregisteredState, DeviceClass: "c1", FirmwareHash: "fw-old"}, "d08": registered("c1", "fw-old", "k2"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	for _, sel := range []domain.DeviceSelection{
		{Filter: "state__eq=registered&device_class__eq=c1"},
		{Filter: "state__eq=registered", Groups: []string{"g2", "g3"}},
		{Filter: "state__eq=registered", Devices: []domain.DeviceID{"d02", "d07", "d09"}},
		{},
	} {
		facts(t, q, acme, sel) // reads what the start pages
	}
	if got := facts(t, q, other, domain.DeviceSelection{}); len(got) != 1 {
		t.Errorf("the other account's devices = %v, want its d01 alone", got)
	}
	stop := errors.New("enough")
	err := q.MatchingDeviceFacts(testCtx(t), acme, domain.DeviceSelection{}, func(domain.DeviceID, domain.DeviceFacts) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("an error of the callback = %v, want it returned", err)
	}
	var invalid domain.InvalidError
	if err := q.MatchingDeviceFacts(testCtx(t), acme, domain.DeviceSelection{Filter: "colour__eq=red"}, nil); !errors.As(err, &invalid) {
		t.Errorf("invalid filter: err = %v, want an InvalidError", err)
	}
}
