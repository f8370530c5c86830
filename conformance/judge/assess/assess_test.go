package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/fixtures"
)

const activitiesYAML = `appendices:
  - id: A
    title: Bilaga A – Teknisk anslutning
    requirements: ["RIV-*", DEMO-01]
    items:
      - id: A-1
        title: Arkitekturbeskrivning
        requirement: DEMO-01
        show: The supplier's architecture description of the integration.
  - id: B
    title: Bilaga B – Felhantering
    requirements: [DEMO-03, DEMO-04, DEMO-06]
    items:
      - id: B-1
        title: Skärmdumpar av felmeddelanden
        show: Screenshots of every error message shown to the user.
        impact: 2
        likelihood: 3
declaration:
  text: Vi intygar att systemet har testats enligt certifieringsbilagorna.
`

func demoSuite(t testing.TB) *scenario.Suite {
	t.Helper()
	s, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestActivities(t *testing.T) {
	t.Parallel()
	a, err := ParseActivities("activities.yaml", []byte(activitiesYAML), demoSuite(t))
	if err != nil {
		t.Fatal(err)
	}
	it, ap, ok := a.Item("A-1")
	if !ok || ap.ID != "A" || it.Impact != 4 || it.Likelihood != DefaultItemLikelihood {
		t.Fatalf("A-1 %+v in %s", it, ap.ID)
	}
	if it, _, _ := a.Item("B-1"); it.Impact != 2 || it.Likelihood != 3 {
		t.Fatalf("B-1 %+v", it)
	}
	if a.Declaration.Title != DefaultDeclaration {
		t.Fatalf("declaration title %q", a.Declaration.Title)
	}
	for id, want := range map[string]bool{"RIV-XSD-01": true, "DEMO-01": true, "DEMO-03": false} {
		if got := a.Appendices[0].Covers(id); got != want {
			t.Errorf("appendix A covers %s: %v", id, got)
		}
	}
}

func TestActivitiesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"unknown field", "appendices:\n  - id: A\n    titel: x\n", "activities.yaml:3:5"},
		{"missing show", "appendices:\n  - id: A\n    title: T\n    items:\n      - {id: A-1, title: X}\n", "activities.yaml:5:9: field $.appendices[0].items[0].show: say what must be shown"},
		{"unknown requirement", "appendices:\n  - id: A\n    title: T\n    requirements: [NOPE]\n", "field $.appendices[0].requirements[0]: requirement \"NOPE\" is not in suite demo-clinic"},
		{"duplicate item", "appendices:\n  - id: A\n    title: T\n    items:\n      - {id: X, title: X, show: s}\n  - id: B\n    title: T\n    items:\n      - {id: X, title: X, show: s}\n", "item \"X\" listed twice"},
		{"bad impact", "appendices:\n  - id: A\n    title: T\n    items:\n      - {id: X, title: X, show: s, impact: 7}\n", "impact must be 1-4, got 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseActivities("activities.yaml", []byte(tt.data), demoSuite(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	a, err := ParseActivities("activities.yaml", []byte(activitiesYAML), demoSuite(t))
	if err != nil {
		t.Fatal(err)
	}
	dir, src := t.TempDir(), t.TempDir()
	shot := filepath.Join(src, "fel dialog.png")
	content := []byte("\x89PNG not really")
	if err := os.WriteFile(shot, content, 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r, err := ReadRecord(dir)
	if err != nil || len(r.Reviews) != 0 {
		t.Fatalf("empty record: %+v %v", r, err)
	}
	// Approving before the declaration is refused; rejecting is not.
	if err := r.AddOverride(decision.Approved, "fine", "cert", at); !errors.Is(err, ErrNoDeclaration) || !strings.Contains(err.Error(), `cannot record "approved"`) {
		t.Fatalf("override before declaration: %v", err)
	}
	if err := r.AddOverride(decision.Incomplete, "x", "cert", at); err == nil {
		t.Fatal("incomplete is not a decision a person records")
	}
	var missing *MissingError
	if err := r.AddOverride(decision.Rejected, "", "cert", at); !errors.As(err, &missing) || missing.Field != "reason" {
		t.Fatalf("override without a reason: %v", err)
	}
	if err := r.AddOverride(decision.Rejected, "supplier's test environment down", "cert", at); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddReview(dir, a, ReviewOptions{Item: "Z-9", Verdict: "pass", Note: "n", By: "me", At: at}); err == nil || !strings.Contains(err.Error(), "A-1") {
		t.Fatalf("unknown item: %v", err)
	}
	if _, err := r.AddReview(dir, a, ReviewOptions{Item: "B-1", Verdict: "maybe", Note: "n", By: "me", At: at}); err == nil {
		t.Fatal("bad verdict accepted")
	}
	if _, err := r.AddReview(dir, a, ReviewOptions{Item: "B-1", Verdict: "fail", By: "me", At: at}); err == nil {
		t.Fatal("empty note accepted")
	}
	for range 2 { // the same file twice gets two names
		if _, err := r.AddReview(dir, a, ReviewOptions{Item: "B-1", Verdict: "fail", Note: "VP007 shown as a blank page", By: "reviewer", Files: []string{shot}, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Declare(dir, DeclarationOptions{By: "Anna Andersson", Org: "Demo AB", Statement: "Vi intygar ...", Files: []string{shot}, At: at}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddOverride(decision.Approved, "accepted after re-review", "cert", at); err != nil {
		t.Fatal(err)
	}
	if err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rv := back.LatestReview("B-1")
	if rv == nil || rv.Verdict != "fail" || len(rv.Attachments) != 1 || rv.Attachments[0].Path != "attachments/B-1/fel_dialog-2.png" {
		t.Fatalf("review %+v", rv)
	}
	h := sha256.Sum256(content)
	got, err := os.ReadFile(filepath.Join(dir, "attachments", "B-1", "fel_dialog-2.png"))
	if err != nil || string(got) != string(content) || rv.Attachments[0].SHA256 != hex.EncodeToString(h[:]) {
		t.Fatalf("attachment copy: %v", err)
	}
	if back.Declaration == nil || back.Declaration.Attachments[0].Path != "attachments/declaration/fel_dialog.png" {
		t.Fatalf("declaration %+v", back.Declaration)
	}
	if o := back.LatestOverride(); o == nil || o.Outcome != decision.Approved || len(back.Overrides) != 2 {
		t.Fatalf("overrides %+v", back.Overrides)
	}
}

// TestDeclareRequires: a declaration names who declares, for which
// organisation, and what; the error says which field is missing.
func TestDeclareRequires(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, by, org, statement string
		wantField                string
	}{
		{name: "no one declares", org: "Demo AB", statement: "Vi intygar", wantField: "by"},
		{name: "no organisation", by: "Anna", statement: "Vi intygar", wantField: "org"},
		{name: "nothing declared", by: "Anna", org: "Demo AB", wantField: "statement"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Record{}
			err := r.Declare(t.TempDir(), DeclarationOptions{By: tc.by, Org: tc.org, Statement: tc.statement, At: at})
			var missing *MissingError
			if !errors.As(err, &missing) || missing.Field != tc.wantField || missing.Why == "" {
				t.Fatalf("err %v, want a MissingError for %s", err, tc.wantField)
			}
			if r.Declaration != nil {
				t.Errorf("a refused declaration was recorded: %+v", r.Declaration)
			}
		})
	}
}

// TestEditDeviationKnowsAddedOnes: a deviation added earlier is edited
// again without its severity; a new id needs one; every edit is kept.
func TestEditDeviationKnowsAddedOnes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	current := []decision.Deviation{{ID: "D1"}, {ID: "X1", Added: true}}
	rec := &Record{}
	for _, e := range []decision.DeviationEdit{
		{ID: "D1", Owner: "Demo Vård AB", By: "karin", At: at},
		{ID: "X1", FixBy: "2027-01-31", By: "karin", At: at},
	} {
		if err := rec.EditDeviation(current, e); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
	}
	if err := rec.EditDeviation(current, decision.DeviationEdit{ID: "X2", Text: "t", By: "karin", At: at}); err == nil || !strings.Contains(err.Error(), "needs a severity") {
		t.Fatalf("a new id without severity: %v", err)
	}
	if len(rec.Deviations) != 2 {
		t.Fatalf("recorded %+v", rec.Deviations)
	}
}
