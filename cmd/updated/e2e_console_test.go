package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// The operator's console in a real browser: headless Chromium opens
// /console/, takes the key, opens a running campaign from the list, and
// shows its numbers changing until they end at the campaign's final
// counters, with a chart of them. A screenshot of the page is kept.
func TestTheConsoleShowsARunningCampaignsNumbersChangeInABrowser(t *testing.T) {
	browser := chromium(t)
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=25", "SCHEDULER_DELAY=200ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=30s", "CONNECTOR_URL=http://"+sim)
	const devices = 300
	startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(devices), "-seed", "3",
		"-latency", "300ms", "-mix", "success=85,fail=10,uptodate=5")
	c.waitDevices(devices)
	campaign := c.startCampaign("watched from the console")

	ctx := browserContext(t, browser)
	row := chromedp.CSS(`tr[data-campaign="` + campaign.ID + `"] a`)
	run(t, ctx, "open the console, enter the key, open the campaign",
		chromedp.Navigate(c.base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("api-key")),
		chromedp.SendKeys(chromedp.ID("api-key"), e2eKey),
		chromedp.Click(chromedp.CSS(`#key-form button[type="submit"]`)),
		chromedp.WaitVisible(row),
		chromedp.Click(row),
		chromedp.WaitVisible(chromedp.CSS(`[data-counter="deployed"]`)))
	first := pageCounters(t, ctx)
	if first["phase"] == "stopped" {
		t.Fatalf("the campaign had ended when the page first showed it (%v): it must run for several seconds", first)
	}
	changed := waitPage(t, ctx, "the counters to change", func(now map[string]string) bool { return !cmp.Equal(now, first) })
	t.Logf("the page showed %v, then %v", first, changed)
	if changed["phase"] == "stopped" {
		t.Errorf("the page's numbers changed only when the campaign had stopped: they are not live")
	}
	final := waitPage(t, ctx, "the campaign's end", func(now map[string]string) bool { return now["phase"] == "stopped" })

	var m struct {
		Total   int `json:"total_count"`
		Success int `json:"success_count"`
		Failed  int `json:"failed_count"`
		Pending int `json:"pending_count"`
		Skipped int `json:"skipped_count"`
	}
	c.do("GET", "/v3/update-campaigns/"+campaign.ID+"/metrics", nil, 200, &m)
	want := map[string]string{"targeted": fmt.Sprint(m.Total), "deployed": fmt.Sprint(m.Success), "failed_total": fmt.Sprint(m.Failed),
		"in_progress": "0", "pending": fmt.Sprint(m.Pending), "phase": "stopped"}
	got := map[string]string{}
	for k := range want {
		got[k] = final[k]
	}
	if diff := cmp.Diff(want, got); diff != "" || m.Total != devices {
		t.Errorf("the page's last numbers against the API's metrics %+v (-api +page):\n%s", m, diff)
	}

	points := value(t, ctx, "count the chart's points", chromedp.Evaluate[int](
		`document.querySelector('#chart polyline[data-series="deployed"]').points.numberOfItems`))
	if points < 3 {
		t.Errorf("the chart's deployed line has %d points, want one per change seen (3 or more)", points)
	}
	saveArtifact(t, "console.png", value(t, ctx, "take a screenshot", chromedp.FullScreenshot(100)))
}

// chromium finds the headless browser, or fails the test saying how to
// install it: the console's test is no test without it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium on PATH: the console's browser test needs it. Install Debian's package " +
		"(apt-get install chromium), or run make test, which installs it when apt-get is usable")
	return ""
}

// browserContext starts headless Chromium for the test (without its
// sandbox, which refuses to run as root); an uncaught script error on its
// pages fails the test.
func browserContext(t *testing.T, path string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	browser, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	var mu sync.Mutex
	// The first call starts the browser, on the context without a timeout:
	// a timeout there would end the browser.
	err := chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			defer mu.Unlock()
			d, what := e.ExceptionDetails, ""
			if d.Exception != nil {
				what = d.Exception.Description
			}
			t.Errorf("a script error on the page, %s:%d: %s %s", d.URL, d.LineNumber+1, d.Text, what)
		}
	})
	if err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return browser
}

// stepTime bounds each step in the browser.
const stepTime = 30 * time.Second

// run runs browser steps, failing the test with what they were for.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	value(t, ctx, what, chromedp.Steps(steps...))
}

// value runs a browser action that gives a value, failing the test with
// what it was for.
func value[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, stepTime)
	defer cancel()
	v, err := chromedp.Run(step, action)
	if err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v; the page shows:\n%s", what, err, text)
	}
	return v
}

// pageCounters reads the campaign page's counters and phase from the DOM.
func pageCounters(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	return value(t, ctx, "read the page's counters", chromedp.Evaluate[map[string]string](`Object.fromEntries([
		...[...document.querySelectorAll('[data-counter]')].map((e) => [e.dataset.counter, e.textContent]),
		["phase", document.querySelector('[data-fact="Phase"]').textContent]])`))
}

// waitPage reads the page's numbers until done says they are what the
// test waits for, and returns them; the campaign must get there within
// two minutes.
func waitPage(t *testing.T, ctx context.Context, what string, done func(map[string]string) bool) map[string]string {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		now := pageCounters(t, ctx)
		if done(now) {
			return now
		}
		select {
		case <-deadline:
			t.Fatalf("waiting for %s: the page still shows %v", what, now)
		case <-time.After(100 * time.Millisecond): // the next look at the page
		}
	}
}

// saveArtifact keeps a file the test made: in $TEST_ARTIFACTS_DIR, else
// bin/artifacts at the module's root.
func saveArtifact(t *testing.T, name string, data []byte) {
	dir := os.Getenv("TEST_ARTIFACTS_DIR")
	if dir == "" {
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			t.Fatalf("finding the module's root: %v", err)
		}
		dir = filepath.Join(filepath.Dir(strings.TrimSpace(string(gomod))), "bin", "artifacts")
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the console: %s", path)
}
