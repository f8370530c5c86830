package harness

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// TestRealContractSuites runs the fixture suites built on real contracts
// from ../shared/rivta (GetCareDocumentation 2.1 on RIVTABP21 with the
// original-consumer header required; GetSubjectOfCareSchedule 1.0 on
// RIVTABP20 with wsa:To, whose personnummer pattern is written ^...$) with a
// Go consumer sending the suites' recorded requests, once without the
// required header; read strictly, the XSD refuses the suite's own answer
// holding a correct personnummer.
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
		strict  bool
		want    []string // failed checks
		loadErr string   // the harness refuses the suite, saying this
	}{
		{name: "GetCareDocumentation with original consumer", suite: "gcd-consumer", request: "requests/get-care-documentation.xml",
			header: http.Header{"X-Rivta-Original-Serviceconsumer-Hsaid": {"SE2321000016-PORTAL"}, "Soapaction": {gcdAction}}},
		{name: "GetCareDocumentation without original consumer", suite: "gcd-consumer", request: "requests/get-care-documentation.xml",
			header: http.Header{"Soapaction": {gcdAction}},
			want:   []string{"GCD-S01/ask/RIV-HDR-01", "GCD-S02/again/RIV-HDR-01", "GCD-S02/no-route/RIV-HDR-01"}},
		{name: "GetSubjectOfCareSchedule on RIVTABP20", suite: "crm-scheduling-bp20", request: "requests/get-subject-of-care-schedule.xml",
			header: http.Header{"Soapaction": {`"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`}}},
		{name: "GetSubjectOfCareSchedule, strict XSD", suite: "crm-scheduling-bp20", request: "requests/get-subject-of-care-schedule.xml",
			header: http.Header{"Soapaction": {`"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`}}, strict: true,
			// Read literally, the suite's own answer (a correct personnummer)
			// breaks the pattern, so the suite does not load (response files
			// are validated at load); contracts/xsd's TestAnchoredPatternsOnRealContracts
			// shows the same request failing RIV-XSD-01 strictly.
			loadErr: `/subject_of_care: value "191212121212" does not match the pattern "^[0-9]{8}[0-9pPtTfF][0-9]{3}$" of SubjectOfCareIdType (strict XSD`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite, err := scenario.LoadDir(filepath.Join(root, "fixtures", "suites", tc.suite))
			if err != nil {
				t.Fatal(err)
			}
			suite.StrictXSD = tc.strict
			if tc.loadErr != "" {
				h, err := New(suite, Options{TLS: p.serverTLS(), Out: t.TempDir()})
				if err == nil {
					h.Close()
					t.Fatal("the harness loaded a suite whose answers break the strictly read contract")
				}
				if !strings.Contains(err.Error(), tc.loadErr) {
					t.Fatalf("load error %v, want it to say %q", err, tc.loadErr)
				}
				return
			}
			progress := &syncbuf.Buffer{}
			body, err := suite.ReadFile(tc.request)
			if err != nil {
				t.Fatal(err)
			}
			c := newGoConsumer(p, p.good, 2*time.Second)
			c.body = func() []byte { return body }
			c.header = tc.header
			run := runHarness(t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir(), Await: c.await, Progress: progress}, c, time.Minute)
			if run.StrictXSD != tc.strict {
				t.Errorf("results say strict_xsd %v, want %v", run.StrictXSD, tc.strict)
			}
			got := keys(failures(run))
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("failed %q, want %q: %v", got, tc.want, failures(run))
			}
			if len(tc.want) == 0 && run.Status != result.ManualPending {
				t.Fatalf("status %s, want manual-pending (each suite has a manual step)", run.Status)
			}
			// The XSD check ran on the real contract; on the one with the
			// anchored pattern the load said how it reads it.
			for _, ch := range run.Scenarios[0].Steps[0].Checks {
				if ch.ID == scenario.ReqSchema && !tc.strict && ch.Status != result.Pass {
					t.Errorf("XSD check %s: %s", ch.Status, ch.Message)
				}
				if ch.ID == scenario.ReqSchema && tc.strict && !strings.Contains(ch.Message, `/subject_of_care: value "191212121212" does not match the pattern`) {
					t.Errorf("strict XSD check %s: %s", ch.Status, ch.Message)
				}
			}
			anchors := strings.Count(progress.String(), "warning: contract urn:riv:crm:scheduling:")
			if want := map[string]int{"crm-scheduling-bp20": 9}[tc.suite]; anchors != want {
				t.Errorf("%d pattern warnings, want %d (one per contract of the folder):\n%s", anchors, want, progress)
			}
			// results.json keeps the same warnings, each naming its types.
			if len(run.PatternAnchors) != anchors {
				t.Errorf("results.json has %d pattern warnings, the load printed %d", len(run.PatternAnchors), anchors)
			}
			for _, a := range run.PatternAnchors {
				if !strings.Contains(progress.String(), "warning: "+a.Warning+"\n") || len(a.Patterns) == 0 || a.Patterns[0].Owner == "" || a.Patterns[0].Line == 0 {
					t.Errorf("results.json warning %+v is not one the load printed", a)
				}
			}
		})
	}
}
