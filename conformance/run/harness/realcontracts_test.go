package harness

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestRealContractSuites runs the fixture suites built on real contracts
// from ../shared/rivta (GetCareDocumentation 2.1 on RIVTABP21 with the
// original-consumer header required; GetSubjectOfCareSchedule 1.0 on
// RIVTABP20 with wsa:To) with a Go consumer sending the suites' recorded
// requests, and once without the required header.
func TestRealContractSuites(t *testing.T) {
	const gcdAction = `"urn:riv:clinicalprocess:healthcond:description:GetCareDocumentationResponder:2:GetCareDocumentation"`
	t.Parallel()
	root := testutil.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "..", "shared", "rivta", "contracts")); err != nil {
		t.Skipf("shared RIV-TA contracts absent (../shared/rivta): %v", err)
	}
	p := newPKI(t)
	tests := []struct {
		name    string
		suite   string
		request string
		header  http.Header
		want    []string // failed checks
	}{
		{name: "GetCareDocumentation with original consumer", suite: "gcd-consumer", request: "requests/get-care-documentation.xml",
			header: http.Header{"X-Rivta-Original-Serviceconsumer-Hsaid": {"SE2321000016-PORTAL"}, "Soapaction": {gcdAction}}},
		{name: "GetCareDocumentation without original consumer", suite: "gcd-consumer", request: "requests/get-care-documentation.xml",
			header: http.Header{"Soapaction": {gcdAction}},
			want:   []string{"GCD-S01/ask/RIV-HDR-01", "GCD-S02/again/RIV-HDR-01", "GCD-S02/no-route/RIV-HDR-01"}},
		{name: "GetSubjectOfCareSchedule on RIVTABP20", suite: "crm-scheduling-bp20", request: "requests/get-subject-of-care-schedule.xml",
			header: http.Header{"Soapaction": {`"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite, err := scenario.LoadDir(filepath.Join(root, "fixtures", "suites", tc.suite))
			if err != nil {
				t.Fatal(err)
			}
			body, err := suite.ReadFile(tc.request)
			if err != nil {
				t.Fatal(err)
			}
			c := newGoConsumer(p, p.good, 2*time.Second)
			c.body = func() []byte { return body }
			c.header = tc.header
			run := runHarness(t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir(), Await: c.await}, c, time.Minute)
			got := keys(failures(run))
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("failed %q, want %q: %v", got, tc.want, failures(run))
			}
			if len(tc.want) == 0 && run.Status != result.ManualPending {
				t.Fatalf("status %s, want manual-pending (each suite has a manual step)", run.Status)
			}
			// The XSD check ran on the real contract (or was skipped by
			// the suite with its reason).
			xsdStatus := run.Scenarios[0].Steps[0].Checks
			for _, ch := range xsdStatus {
				if ch.ID == scenario.ReqSchema && tc.suite == "gcd-consumer" && ch.Status != result.Pass {
					t.Errorf("XSD check %s: %s", ch.Status, ch.Message)
				}
				if ch.ID == scenario.ReqSchema && tc.suite == "crm-scheduling-bp20" && ch.Status != result.NotApplicable {
					t.Errorf("XSD check should be turned off by the suite (n/a), got %s", ch.Status)
				}
			}
		})
	}
}
