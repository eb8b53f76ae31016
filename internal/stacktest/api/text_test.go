package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// A filter term PostgreSQL cannot take as text (a NUL, invalid UTF-8, a
// control character) answers 400 naming the term: the read models'
// queries check it before they query, where it would answer 500.
func TestFilterTermsThatCannotBeStoredAnswer400(t *testing.T) {
	a := newAPI(t)
	campaign := a.campaign("text params", a.manifest("class-1"))["id"].(string)
	base := "/v3/update-campaigns/" + campaign
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"a NUL in a direct filter term", "GET", "/v3/update-campaigns?name__eq=a%00b", "", "name__eq"},
		{"a NUL in a plain filter parameter", "GET", "/v3/devices?name=a%00b", "", "name"},
		{"a NUL in an __in list", "GET", "/v3/devices?groups__in=g1,g%002", "", "groups__in"},
		{"a NUL inside the filter parameter", "GET", "/v3/update-campaigns?filter=name__eq%3Da%2500b", "", "name__eq"},
		{"invalid UTF-8 inside the filter parameter", "GET", "/v3/firmware-manifests?filter=name__neq%3D%25ff", "", "name__neq"},
		{"a control character in a metadata filter", "GET", base + "/campaign-device-metadata?device_id__eq=d%07", "", "device_id__eq"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apitest.ErrorOf(t, a.Call(tc.method, tc.path, acmeKey, nil), http.StatusBadRequest)
			if e.Type != "validation_error" || !slices.Contains(e.FieldNames(), tc.field) {
				t.Errorf("type %q fields %v, want a validation_error naming %s", e.Type, e.FieldNames(), tc.field)
			}
		})
	}
	// The lists still answer.
	if p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns", nil)); len(p.Data) != 1 {
		t.Errorf("campaigns %v, want only the one created", p.IDs("id"))
	}
}
