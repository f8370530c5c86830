package reporttest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// Review is a verdict on one document-review item of the fixture suite.
type Review struct {
	Item, Verdict, Note, By string
	Files                   []string // attachments
}

// People is the people's part of a certification: the verdict on R03's
// manual step (pass, by "tester"), the document reviews and the supplier's
// declaration.
type People struct {
	ManualNote                 string
	Reviews                    []Review
	DeclaredBy, Org, Statement string
}

// Certify records p on the run in dir at time at, as 'conform judge' and
// 'conform declare' do, and returns the fixture suite.
func Certify(t testing.TB, dir string, p People, at time.Time) *scenario.Suite {
	t.Helper()
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Judge(result.Judgement{Scenario: "R03", Verdict: "pass", Note: p.ManualNote, By: "tester", At: at}); err != nil {
		t.Fatal(err)
	}
	if err := result.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	suite, err := scenario.LoadDir(SuiteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	acts, err := assess.SuiteActivities(suite)
	if err != nil {
		t.Fatal(err)
	}
	rec := &assess.Record{}
	for _, r := range p.Reviews {
		if _, err := rec.AddReview(dir, acts, assess.ReviewOptions{Item: r.Item, Verdict: r.Verdict, Note: r.Note, By: r.By, Files: r.Files, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Declare(dir, assess.DeclarationOptions{By: p.DeclaredBy, Org: p.Org, Statement: p.Statement, At: at}); err != nil {
		t.Fatal(err)
	}
	if err := assess.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	return suite
}

// Attachment writes content to a new file name (a screenshot, say) and
// returns its path.
func Attachment(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
