package bus_test

import (
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
)

// A router missing any of its required parts is refused at construction,
// naming each: wiring that forgets one fails at start, not in an outage.
func TestARouterWithoutItsRequiredPartsIsRefused(t *testing.T) {
	_, err := bus.NewRouter(bus.NewInProcess(nil), bus.Handlers{}, nil, nil)
	if err == nil {
		t.Fatal("a router without handlers was made")
	}
	for _, part := range []string{"Commands", "ReadModels", "Sender", "Available"} {
		if !strings.Contains(err.Error(), "Handlers."+part+" is required") {
			t.Errorf("the error does not name Handlers.%s: %v", part, err)
		}
	}
}
