package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
)

var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// validateSchema checks a report against docs/schema/report.schema.json.
func validateSchema(t *testing.T, r *Report) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, schematest.Compile(t, "report.schema.json"), "report.json", b)
}

func build(t *testing.T, dir string) *Report {
	t.Helper()
	in, err := Load(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, r)
	return r
}

func reasonText(d decision.Decision) string {
	var s []string
	for _, r := range d.Reasons {
		s = append(s, r.Text)
	}
	return strings.Join(s, "\n")
}

// TestBuildRealRun follows a certification from the run to approval with
// conditions and an override, validating report.json against its schema at
// every stage.
func TestBuildRealRun(t *testing.T) {
	t.Parallel()
	dir := reporttest.RealRun(t)

	r := build(t, dir)
	if r.Decision.Outcome != decision.Incomplete || r.Decision.Rule != "manual-pending" {
		t.Fatalf("decision %s (%s), want incomplete (manual-pending)\n%s", r.Decision.Outcome, r.Decision.Rule, reasonText(r.Decision))
	}
	for _, want := range []string{"manual verdict(s) pending: R03/shows-error", "document review(s) without a verdict: A-1, B-1", "declaration (Beställarens deklaration) is not recorded"} {
		if !strings.Contains(reasonText(r.Decision), want) {
			t.Errorf("reasons lack %q:\n%s", want, reasonText(r.Decision))
		}
	}
	if len(r.Findings) != 1 {
		t.Fatalf("findings %+v", r.Findings)
	}
	f := r.Findings[0]
	if f.ID != "F001" || f.Requirement != scenario.ReqReceiverSpace || f.Scenario != "R04" || f.RiskClass != risk.Medium || f.Score != 6 ||
		f.Severity != decision.SeverityMajor || f.Quadrant != "II" || len(f.Appendices) != 1 || f.Appendices[0] != "A" {
		t.Errorf("finding %+v", f)
	}
	for _, p := range []string{f.Exchange, f.RequestFile, f.ResponseFile} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); p == "" || err != nil {
			t.Errorf("finding file %q: %v", p, err)
		}
	}
	if r.Suite.SHA256 == "" || len(r.Contracts.Files) == 0 || r.Environment.ConsumerSerialNumber != reporttest.ConsumerHSAID {
		t.Errorf("suite %+v contracts %d environment %+v", r.Suite, len(r.Contracts.Files), r.Environment)
	}
	if r.Summary.Checks.Fail != 1 || r.Summary.Manual.Pending != 1 || r.Summary.Reviews.Pending != 2 || r.Summary.Findings["medium"] != 1 {
		t.Errorf("summary %+v", r.Summary)
	}
	cell := r.Matrix.Cells[(4-3)*4+(2-1)] // impact 3, likelihood 2
	if cell.Impact != 3 || cell.Likelihood != 2 || cell.Findings != 1 || cell.FindingIDs[0] != "F001" {
		t.Errorf("matrix cell %+v", cell)
	}
	if len(r.Appendices) != 2 || r.Appendices[0].Findings[0] != "F001" || strings.Join(r.Appendices[1].Scenarios, ",") != "R02,R03" {
		t.Errorf("appendices %+v", r.Appendices)
	}

	// The people's part: the manual verdict, the reviews, the declaration.
	reporttest.Certify(t, dir, reporttest.People{
		ManualNote: "error shown with the VP code",
		Reviews: []reporttest.Review{
			{Item: "A-1", Verdict: "pass", Note: "reviewed", By: "reviewer"},
			{Item: "B-1", Verdict: "pass", Note: "reviewed", By: "reviewer"},
		},
		DeclaredBy: "Anna Andersson", Org: "Demo AB", Statement: "Vi intygar ...",
	}, now)
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	r = build(t, dir)
	d := r.Decision
	if d.Outcome != decision.ApprovedWithConditions || d.LabelSV != "Godkänd med förbehåll" || len(d.Deviations) != 1 {
		t.Fatalf("decision %+v", d)
	}
	dv := d.Deviations[0]
	wantDeadline := run.Finished.UTC().AddDate(0, 0, 60).Format(time.DateOnly)
	if dv.Requirement != scenario.ReqReceiverSpace || dv.Owner != "Demo AB" || dv.FixDeadline != wantDeadline || strings.Join(dv.RetestScope, ",") != "R04" {
		t.Errorf("deviation %+v (deadline want %s)", dv, wantDeadline)
	}
	if len(r.Residual) == 0 || r.Residual[0].Kind != "deviation" {
		t.Errorf("residual risks %+v", r.Residual)
	}

	// An override is kept beside the proposal (as 'conform decide' records it).
	rec, err := assess.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.AddOverride(decision.Rejected, "the supplier's test environment differs from production", "certifier", now); err != nil {
		t.Fatal(err)
	}
	if err := assess.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	r = build(t, dir)
	d = r.Decision
	if d.Outcome != decision.Rejected || d.Proposed != decision.ApprovedWithConditions || d.Override == nil || d.Override.By != "certifier" || d.LabelSV != "Underkänd" {
		t.Fatalf("decision with override %+v", d)
	}
}

// TestBuildAborted: an aborted run is not a failed one: the decision says
// aborted and the scenarios that did not run are out of scope.
func TestBuildAborted(t *testing.T) {
	t.Parallel()
	suite, err := scenario.LoadDir(reporttest.SuiteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	start := now.Add(-time.Minute)
	run := &result.Run{Format: result.Format, Tool: result.Tool{Name: "rivgate", Version: "test"}, Mode: "consumer",
		Suite: result.SuiteRef{ID: suite.ID, Title: suite.Title, Dir: suite.OSDir}, Started: start, Finished: now,
		Requirements: suite.AllRequirements(), Aborted: "the consumer's test environment stopped answering: connection refused",
		Scenarios: []*result.Scenario{{ID: "R01", Title: "Visits are fetched", Likelihood: 4, Requirements: []string{"REP-01"},
			Steps: []*result.Step{{Index: 1, ID: "get-visits", Status: result.Pass,
				Checks: []result.Check{{ID: scenario.ReqClientCert, Requirement: scenario.ReqClientCert, Impact: 4, Likelihood: 4, Status: result.Pass, Message: "ok"}}}}}}}
	run.Recompute()
	r, err := Build(Inputs{Run: run, Suite: suite, Record: &assess.Record{Declaration: &assess.Declaration{By: "a", Org: "b", Statement: "c"}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, r)
	if r.Decision.Outcome != decision.Aborted || r.Decision.LabelSV != "Avbruten – inget godkännande" || !strings.Contains(reasonText(r.Decision), "connection refused") {
		t.Fatalf("decision %+v", r.Decision)
	}
	var notRun []string
	for _, it := range r.Scope.NotTested {
		notRun = append(notRun, it.ID)
	}
	if strings.Join(notRun, ",") != "R02,R03,R04" {
		t.Errorf("not tested %v", notRun)
	}
	if len(r.Scope.DeviationsFromPlan) != 4 || !strings.Contains(r.Scope.DeviationsFromPlan[3], "aborted") {
		t.Errorf("deviations from plan %v", r.Scope.DeviationsFromPlan)
	}
}

// TestBuildSkipVersusNotApplicable: a high-risk check that could not be
// verified (skip) blocks approval; the same check not applying (n/a) does
// not. The report reads the status only, never the check id or message.
func TestBuildSkipVersusNotApplicable(t *testing.T) {
	t.Parallel()
	suite, err := scenario.LoadDir(reporttest.SuiteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		status  result.Status
		message string
		outcome decision.Outcome
		rule    string
		open    bool
	}{
		{name: "skip blocks", status: result.Skip, message: "no receiver", outcome: decision.Incomplete, rule: "high-risk-skipped", open: true},
		{name: "n/a does not", status: result.NotApplicable, message: "contract not in the suite's contracts", outcome: decision.Approved, rule: "nothing-failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := &result.Run{Format: result.Format, Tool: result.Tool{Name: "rivgate", Version: "test"}, Mode: "consumer",
				Suite: result.SuiteRef{ID: suite.ID, Title: suite.Title, Dir: suite.OSDir}, Started: now.Add(-time.Minute), Finished: now,
				Requirements: suite.AllRequirements()}
			for _, id := range []string{"R01", "R02", "R03", "R04"} {
				st := &result.Step{Index: 1, ID: "s", Checks: []result.Check{{ID: scenario.ReqClientCert, Requirement: scenario.ReqClientCert, Impact: 4, Likelihood: 4, Status: result.Pass, Message: "ok"}}}
				if id == "R01" {
					st.Checks = append(st.Checks, result.Check{ID: scenario.ReqSchema, Requirement: scenario.ReqSchema, Impact: 4, Likelihood: 4, Status: tc.status, Message: tc.message})
				}
				run.Scenarios = append(run.Scenarios, &result.Scenario{ID: id, Title: id, Likelihood: 4, Requirements: []string{"REP-01"}, Steps: []*result.Step{st}})
			}
			run.Recompute()
			rec := &assess.Record{Declaration: &assess.Declaration{By: "a", Org: "b", Statement: "c"}}
			for _, it := range []string{"A-1", "B-1"} {
				rec.Reviews = append(rec.Reviews, assess.Review{Item: it, Verdict: "pass", Note: "ok", By: "x"})
			}
			in := Inputs{Run: run, Suite: suite, Record: rec, Now: now}
			if in.Activities, err = assess.SuiteActivities(suite); err != nil {
				t.Fatal(err)
			}
			r, err := Build(in)
			if err != nil {
				t.Fatal(err)
			}
			validateSchema(t, r)
			if r.Decision.Outcome != tc.outcome || r.Decision.Rule != tc.rule {
				t.Fatalf("decision %s by %s, want %s by %s: %s", r.Decision.Outcome, r.Decision.Rule, tc.outcome, tc.rule, reasonText(r.Decision))
			}
			skipped := false
			for _, rr := range r.Residual {
				skipped = skipped || rr.Kind == "skipped"
			}
			if skipped != tc.open {
				t.Errorf("residual risks %+v, want a skipped one: %v", r.Residual, tc.open)
			}
			want := Counts{Pass: 4}
			if tc.status == result.Skip {
				want.Skip = 1
			} else {
				want.NotApplicable = 1
			}
			if r.Summary.Checks != want {
				t.Errorf("check counts %+v, want %+v", r.Summary.Checks, want)
			}
		})
	}
}

// TestBuildUnfinished: results.json without a finished time (a run killed
// or still going) gets the aborted decision, never one on half a run.
func TestBuildUnfinished(t *testing.T) {
	t.Parallel()
	suite, err := scenario.LoadDir(reporttest.SuiteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	run := &result.Run{Format: result.Format, Tool: result.Tool{Name: "rivgate", Version: "test"}, Mode: "consumer",
		Suite: result.SuiteRef{ID: suite.ID, Title: suite.Title, Dir: suite.OSDir}, Started: now.Add(-time.Minute),
		Requirements: suite.AllRequirements()}
	run.Recompute()
	r, err := Build(Inputs{Run: run, Suite: suite, Record: &assess.Record{Declaration: &assess.Declaration{By: "a", Org: "b", Statement: "c"}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, r)
	if r.Decision.Outcome != decision.Aborted || !strings.Contains(r.Aborted, "the run did not finish") {
		t.Fatalf("decision %s, aborted %q", r.Decision.Outcome, r.Aborted)
	}
}
