package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/internal/syncbuf"
)

func TestTheRegistryRunsAloneWithoutAccounts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-roles", "registry", "-ota-listen", "127.0.0.1:0", "-groups", "3,1500"}, func(string) string { return "" }, out, io.Discard)
	}()
	line := regexp.MustCompile(`Device Registry listening on (\S+)\n(?:.*\n)?fleetsim: group (\S+): 1500 devices`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = line.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("no address and group printed:\n%s", out.String())
	}
	n := 0
	for page, err := range ota.NewRegistry(m[1], ota.Options{}).GroupPages(ctx, "acme", m[2]) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
	}
	if n != 1500 {
		t.Errorf("the printed group has %d devices, want 1500", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestTheOTAFlagsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-roles", "director"}, "-kafka is required"},
		{[]string{"-roles", "registry,switch"}, `unknown role "switch"`},
		{[]string{"-roles", "registry", "-groups", "10,x"}, "-groups"},
		{[]string{"-roles", "registry", "-director-failure-rate", "2"}, "shares from 0 to 1"},
		{[]string{"-roles", "director", "-kafka", "k:9092", "-director-results", "success=0"}, "gives no outcome a share"},
		{[]string{"-roles", "connector"}, "-account is required"},
	} {
		_, err := parseConfig(tc.args, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %s", tc.args, err, tc.want)
		}
	}
	if _, err := parseConfig([]string{"-roles", "registry,director", "-kafka", "k:9092"}, func(string) string { return "" }, io.Discard); err != nil {
		t.Errorf("the Registry and the Director without accounts: %v", err)
	}
}
