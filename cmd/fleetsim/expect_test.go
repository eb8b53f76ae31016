package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStreamedExpectationsAreTheBytesOfTheWholeMapMarshalled(t *testing.T) {
	for _, prefix := range []string{"sim-", `q"<&>-`} {
		t.Run(prefix, func(t *testing.T) {
			f := newFleet(testConfig(t, "-devices", "1000", "-prefix", prefix, "-fail-codes", "2-9",
				"-mix", "success=1,fail=3,uptodate=1,wrongclass=1,silent=1,reject=1,deregistered=1"))
			whole := map[string]expectation{}
			for _, d := range devices(f) {
				whole[f.id(d.Index)] = d.expected()
			}
			want, err := json.MarshalIndent(whole, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := streamExpectations(&got, f); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(append(want, '\n')), got.String()); diff != "" {
				t.Errorf("-expect-json (-map marshalled +streamed):\n%s", diff)
			}
		})
	}
}
