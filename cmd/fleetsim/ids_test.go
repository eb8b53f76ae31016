package main

import "testing"

func TestEveryDeviceIsFoundByItsID(t *testing.T) {
	for _, n := range []string{"1", "9", "10", "12345"} {
		f := newFleet(testConfig(t, "-devices", n, "-prefix", "dev-"))
		for i := range f.size() {
			if got, ok := f.index(f.id(i)); !ok || got != i {
				t.Fatalf("fleet of %s: id %q of device %d found as %d, %v", n, f.id(i), i, got, ok)
			}
		}
	}
}

func TestIDsOfNoDeviceAreNotFound(t *testing.T) {
	f := newFleet(testConfig(t, "-devices", "250", "-prefix", "dev-"))
	if f.id(0) != "dev-001" || f.id(249) != "dev-250" {
		t.Fatalf("ids %q..%q, want dev-001..dev-250", f.id(0), f.id(249))
	}
	for _, id := range []string{"", "dev-", "dev-000", "dev-251", "dev-999", "dev-01", "dev-0001", "sim-001",
		"dev-+01", "dev--01", "dev-0x1", "dev-1 1", "xdev-001", "DEV-001"} {
		if i, ok := f.index(id); ok {
			t.Errorf("id %q found as device %d", id, i)
		}
	}
}
