package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// The console's page, script and style answer without a key, only with
// the policy that lets same-origin scripts run, and the page names the
// campaign it shows, escaped as HTML.
func TestTheConsoleIsServedWithoutAKeyUnderASameOriginPolicy(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct{ path, contentType, holds string }{
		{"/console/", "text/html; charset=utf-8", `<main id="app" data-campaign="">`},
		{"/console/campaigns/c1", "text/html; charset=utf-8", `data-campaign="c1"`},
		{"/console/campaigns/%22%3E%3Cscript%3E", "text/html; charset=utf-8", `data-campaign="&#34;&gt;&lt;script&gt;"`},
		{"/console/console.js", "text/javascript; charset=utf-8", "/progress"},
		{"/console/console.css", "text/css; charset=utf-8", "body {"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := a.Call("GET", tc.path, "", nil)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tc.contentType {
				t.Fatalf("status %d, Content-Type %q; want 200 %s", rec.Code, rec.Header().Get("Content-Type"), tc.contentType)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy %q, want same-origin scripts only", csp)
			}
			if !strings.Contains(rec.Body.String(), tc.holds) {
				t.Errorf("the answer does not hold %q:\n%s", tc.holds, rec.Body)
			}
		})
	}
}
