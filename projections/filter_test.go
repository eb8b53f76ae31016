package projections

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
)

func TestParseDateTimeTakesEveryPelionForm(t *testing.T) {
	want := time.Date(2016, 11, 30, 16, 25, 12, 0, time.UTC)
	for _, s := range []string{"2016-11-30T16:25:12Z", "2016-11-30T16:25:12.000Z", "2016-11-30T17:25:12+01:00", "20161130T162512Z"} {
		got, err := ParseDateTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2016-11-30", "20161130T162512"} {
		if _, err := ParseDateTime(s); err == nil {
			t.Errorf("ParseDateTime(%q) accepted", s)
		}
	}
}

func TestParseListRequestDefaultsAndLimits(t *testing.T) {
	req, err := ParseListRequest(url.Values{})
	if err != nil || req.Limit != 50 || req.Order != Ascending || req.IncludeTotal || req.After != "" || len(req.Filter) != 0 {
		t.Fatalf("defaults = %+v, %v", req, err)
	}
	req, err = ParseListRequest(url.Values{"limit": {"1000"}, "order": {"desc"}, "include": {"total_count"}, "after": {"abc"}})
	if err != nil || req.Limit != 1000 || req.Order != Descending || !req.IncludeTotal || req.After != "abc" {
		t.Fatalf("got %+v, %v", req, err)
	}
	for _, q := range []url.Values{
		{"limit": {"ten"}}, {"limit": {"2.5"}}, {"order": {"up"}}, {"include": {"everything"}},
	} {
		_, err := ParseListRequest(q)
		var invalid domain.InvalidError
		if !errors.As(err, &invalid) {
			t.Errorf("%v: err = %v, want an InvalidError", q, err)
			continue
		}
		for name := range q {
			if invalid.Field != name {
				t.Errorf("%v: the error names %q, want %q", q, invalid.Field, name)
			}
		}
	}
}

func TestFiltersComeAsDirectParametersAndInTheFilterParameter(t *testing.T) {
	q, err := url.ParseQuery("state__eq=draft&filter=" + url.QueryEscape("name__in=a,b&created_at__gte=20161130T162512Z") + "&limit=10")
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseListRequest(q)
	if err != nil {
		t.Fatal(err)
	}
	want := Filter{
		{Field: "state", Op: OpEq, Value: "draft"},
		{Field: "created_at", Op: OpGte, Value: "20161130T162512Z"},
		{Field: "name", Op: OpIn, Value: "a,b"},
	}
	if diff := cmp.Diff(want, req.Filter, cmp.AllowUnexported(Condition{})); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}
}

func TestFilterCompilesToParameterisedSQL(t *testing.T) {
	f, err := ParseFilter("name__eq=x' OR 1=1 --&groups__in=a,b&created_at__lte=2016-11-30T16:25:12.5Z&state__nin=draft,stopped&autostop=true")
	if err != nil {
		t.Fatal(err)
	}
	fs := fields{
		"name":       {"t.name", kindText},
		"groups":     {"t.groups", kindTextSet},
		"created_at": {"t.created_at", kindTime},
		"state":      {"t.state", kindText},
		"autostop":   {"t.autostop", kindBool},
	}
	var args sqlArgs
	sql, err := fs.where(f, &args)
	if err != nil {
		t.Fatal(err)
	}
	want := "t.autostop = $1::boolean AND t.created_at <= $2::timestamptz AND t.groups && $3::text[] AND t.name = $4::text AND (t.state = ANY($5::text[])) IS NOT TRUE"
	if sql != want {
		t.Errorf("sql:\n got %s\nwant %s", sql, want)
	}
	if strings.Contains(sql, "OR 1=1") || args[3] != "x' OR 1=1 --" {
		t.Errorf("the value went into the SQL text: %s %v", sql, args)
	}
	if got := args[1].(time.Time); !got.Equal(time.Date(2016, 11, 30, 16, 25, 12, 5e8, time.UTC)) {
		t.Errorf("created_at value = %v", got)
	}
}

func TestInvalidFiltersNameTheTerm(t *testing.T) {
	fs := fields{"name": {"t.name", kindText}, "created_at": {"t.created_at", kindTime}, "autostop": {"t.autostop", kindBool}}
	for _, tc := range []struct{ filter, field string }{
		{"colour__eq=red", "colour__eq"},
		{"name__lte=b", "name__lte"},
		{"created_at__gte=last week", "created_at__gte"},
		{"created_at__in=2016-11-30T16:25:12Z,never", "created_at__in"},
		{"autostop__eq=maybe", "autostop__eq"},
		{"autostop__gte=true", "autostop__gte"},
	} {
		f, err := ParseFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		_, err = fs.where(f, &sqlArgs{})
		var invalid domain.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != tc.field {
			t.Errorf("%s: err = %v, want an InvalidError naming %s", tc.filter, err, tc.field)
		}
	}
}

func TestPlainDirectParametersFilterOnlyOnKnownFields(t *testing.T) {
	req, err := ParseListRequest(url.Values{"name": {"x"}, "_": {"1700000000"}})
	if err != nil {
		t.Fatal(err)
	}
	var args sqlArgs
	sql, err := fields{"name": {"t.name", kindText}}.where(req.Filter, &args)
	if err != nil || sql != "t.name = $1::text" {
		t.Errorf("sql = %q, %v", sql, err)
	}
	if _, err := (fields{}).where(Filter{{Field: "colour", Op: OpEq, Value: "red"}}, &sqlArgs{}); err == nil {
		t.Error("an unknown field in a filter parameter was accepted")
	}
}

func TestDeviceFilterValidation(t *testing.T) {
	if err := ValidateDeviceFilter("state__eq=registered&device_class__eq=abc&groups__in=g1,g2"); err != nil {
		t.Errorf("valid filter refused: %v", err)
	}
	err := ValidateDeviceFilter("state__eq=registered&colour__eq=red")
	var invalid domain.InvalidError
	if !errors.As(err, &invalid) || invalid.Field != "device_filter" || !strings.Contains(invalid.Reason, "colour__eq") {
		t.Errorf("err = %v, want an InvalidError of device_filter naming colour__eq", err)
	}
}

// Pelion clamps a limit outside 2 to 1000 to the nearest bound rather
// than refuse it.
func TestParseListRequestClampsTheLimit(t *testing.T) {
	for limit, want := range map[string]int{"-7": 2, "0": 2, "1": 2, "2": 2, "999": 999, "1001": 1000,
		"99999999999999999999": 1000} {
		req, err := ParseListRequest(url.Values{"limit": {limit}})
		if err != nil || req.Limit != want {
			t.Errorf("limit=%s: got %d, %v; want %d", limit, req.Limit, err, want)
		}
	}
}
