package bus_test

import (
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

func TestAnAsyncResponseMustAnswerAWriteOfItsMessagesAccount(t *testing.T) {
	own := bus.AsyncResponse{Account: bus.Account{AccountID: acme}, AsyncID: domain.AsyncID(acme, "c1", "dev-1"), Status: ptr(200)}
	if err := own.Validate(); err != nil {
		t.Errorf("acme's answer to acme's write: %v", err)
	}
	other := own
	other.AccountID = globex
	if err := other.Validate(); err == nil || !strings.Contains(err.Error(), "answers a write of account acme, not of globex") {
		t.Errorf("globex's message with acme's async id: got %v, want it refused naming both accounts", err)
	}
}
