package projections

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// listed are the lists of the API, with the scope and scope arguments
// their queries use.
var listed = map[string]struct {
	spec  listSpec
	scope string
	args  sqlArgs
}{
	"campaigns": {campaignList, campaignScope, sqlArgs{domain.AccountID("acme")}},
	"devices":   {deviceList, deviceScope, sqlArgs{domain.AccountID("acme")}},
	"manifests": {manifestList, manifestScope, sqlArgs{domain.AccountID("acme")}},
	"metadata":  {metadataList, metadataScope, sqlArgs{domain.AccountID("acme"), domain.CampaignID("c1")}},
}

// listQueries are query strings of list requests, realistic and hostile.
var listQueries = []string{
	"", "limit=2&order=desc&include=total_count&after=0157f3a2b6c94d5e8f0a1b2c3d4e5f60",
	"state__eq=registered&limit=1000", "name__in=a,b,c&created_at__gte=20161130T162512Z",
	"filter=" + url.QueryEscape("state__neq=draft&created_at__lte=2016-11-30T16:25:12.5+01:00"),
	"groups__nin=g1,g2&mechanism=connector&cache=123", "autostop__eq=true&autostop_success_percent__gte=50.5",
	"name__eq=a%00b", "after=%ff", "filter=name__eq%3Da%2500b", "limit=1", "limit=99999999999999999999",
	"order=sideways", "include=everything,total_count", "filter=%zz", "filter=a%3D%25", "id__lte=x",
	"created_at__gte=yesterday", "name__in=", "description=tab%09and%0Aline", "batches_processed__in=1,x",
	"device_id__eq=d%07", "name__eq=" + url.QueryEscape("\u2028\ufeff"), "__eq=x", "=x&&=",
}

// A list request either is refused with InvalidErrors naming its
// parameters (400), or compiles, for every list, to statements whose text
// parameters PostgreSQL can take (no NUL, valid UTF-8), one argument per
// placeholder: a request can never fail in the database (500) for what it
// holds.
func FuzzListRequest(f *testing.F) {
	for _, q := range listQueries {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // as net/http's URL.Query: bad pairs dropped
		req, err := ParseListRequest(q)
		if err != nil {
			mustBeInvalid(t, raw, err, func(field string) bool {
				return slices.Contains([]string{"limit", "order", "include", "after", "filter"}, field)
			})
			return
		}
		if req.Limit < MinLimit || req.Limit > MaxLimit || (req.Order != Ascending && req.Order != Descending) {
			t.Fatalf("%q: accepted limit %d order %q", raw, req.Limit, req.Order)
		}
		if err := domain.CheckText("after", req.After, 128, false); err != nil {
			t.Fatalf("%q: accepted after %q: %v", raw, req.After, err)
		}
		for name, l := range listed {
			st, err := l.spec.statements(l.scope, slices.Clone(l.args), req)
			if err != nil {
				mustBeInvalid(t, raw, err, func(field string) bool {
					return slices.ContainsFunc(req.Filter, func(c Condition) bool { return c.term() == field })
				})
				continue
			}
			checkStatement(t, name+" page of "+raw, st.page, st.pageArgs)
			checkStatement(t, name+" count of "+raw, st.count, st.countArgs)
		}
	})
}

// A campaign's device filter either is refused with an InvalidError of
// device_filter, or parses into one condition per term and compiles to a
// statement PostgreSQL can take, as the campaign engine runs it.
func FuzzDeviceFilter(f *testing.F) {
	for _, q := range listQueries {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if parsed, err := ParseFilter(s); err != nil {
			mustBeInvalid(t, s, err, func(field string) bool { return field == "filter" })
		} else if values, _ := url.ParseQuery(s); len(parsed) != countValues(values) {
			t.Fatalf("ParseFilter(%q) = %d conditions, the query holds %d values", s, len(parsed), countValues(values))
		} else {
			for _, c := range parsed {
				if _, ok := values[c.term()]; !ok {
					t.Fatalf("ParseFilter(%q) has the term %q, which the filter does not hold", s, c.term())
				}
			}
		}
		args := sqlArgs{domain.AccountID("acme"), domain.DeviceID("")}
		where, _, err := deviceFilterSQL(s, &args)
		if err != nil {
			mustBeInvalid(t, s, err, func(field string) bool { return field == "device_filter" })
			return
		}
		checkStatement(t, "device filter "+s, "SELECT $1, $2 WHERE "+where, args)
	})
}

// mustBeInvalid fails unless err is of the invalid kind and every error
// it joins is an InvalidError of a field named allows.
func mustBeInvalid(t *testing.T, input string, err error, allowed func(field string) bool) {
	t.Helper()
	if domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("%q: %v is not a validation error", input, err)
	}
	var leaves func(error)
	leaves = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				leaves(e)
			}
			return
		}
		var invalid domain.InvalidError
		if !errors.As(err, &invalid) || !allowed(invalid.Field) {
			t.Fatalf("%q: refused with %v, not an InvalidError of one of its parameters", input, err)
		}
	}
	leaves(err)
}

// placeholder finds a statement's parameter placeholders.
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// checkStatement fails unless the statement has one argument per
// placeholder and every text argument is one PostgreSQL takes.
func checkStatement(t *testing.T, what, sql string, args sqlArgs) {
	t.Helper()
	highest := 0
	for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
		n, _ := strconv.Atoi(m[1])
		highest = max(highest, n)
	}
	if highest != len(args) {
		t.Fatalf("%s: %d arguments for placeholders up to $%d in %s", what, len(args), highest, sql)
	}
	for i, a := range args {
		var texts []string
		switch v := a.(type) {
		case string:
			texts = []string{v}
		case []string:
			texts = v
		}
		for _, s := range texts {
			if err := domain.CheckText("$"+strconv.Itoa(i+1), s, maxFilterValue, true); err != nil {
				t.Fatalf("%s: argument %q would reach PostgreSQL: %v", what, s, err)
			}
		}
	}
}

// countValues counts every value of every key.
func countValues(v url.Values) int {
	n := 0
	for _, vs := range v {
		n += len(vs)
	}
	return n
}

// A stored event either becomes an envelope whose aggregate ids are the
// ones its stream names (the stream name made again from them is the
// stream), or is refused with an error, which stops the runner on it
// rather than project it into another aggregate's rows.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []struct{ stream, typ, data string }{
		{"campaign-0157f3a2b6c94d5e8f0a1b2c3d4e5f60", "CampaignStarting", `{"at":"2016-11-30T16:25:12Z"}`},
		{"device-acme-dev-1", "DeviceDeregistered", `{}`},
		{"device-acme-dev.with-dashes", "DeviceSkipped", `{"campaign_id":"c1","reason":"already_updated"}`},
		{"manifest-m1", "ManifestDeleted", `{}`},
		{"account-acme", "AccountQuotaReserved", `{"campaign_id":"c1"}`},
		{"device-acme", "DeviceDeregistered", `{}`},
		{"device--dev", "DeviceDeregistered", `{}`},
		{"campaign-", "CampaignStarting", `{}`},
		{"$all", "CampaignStarting", `{}`},
		{"other-x", "CampaignStarting", `{}`},
		{"campaign-c1", "NoSuchEvent", `{}`},
		{"campaign-c1", "CampaignStarting", `{"at":1}`},
	} {
		f.Add(s.stream, s.typ, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, stream, typ string, data []byte) {
		env, err := decode(eventstore.RecordedEvent{Stream: stream, Type: typ, Data: data})
		if err != nil {
			return
		}
		if env.event.Name() != typ || env.stream != stream {
			t.Fatalf("decode(%q, %q) = a %s of stream %q", stream, typ, env.event.Name(), env.stream)
		}
		var again []string
		if env.campaignID != "" {
			again = append(again, domain.CampaignStream(env.campaignID))
		}
		if env.deviceID != "" {
			again = append(again, domain.DeviceStream(env.accountID, env.deviceID))
		} else if env.accountID != "" {
			again = append(again, domain.AccountStream(env.accountID))
		}
		if env.manifestID != "" {
			again = append(again, domain.ManifestStream(env.manifestID))
		}
		if len(again) != 1 || again[0] != stream {
			t.Fatalf("decode(%q) names the aggregates of the streams %q", stream, again)
		}
	})
}
