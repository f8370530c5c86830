package conformcmd

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/fixtures"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestCertificationFixtures: the example files for the demo suite load
// against it, and decision.yaml is exactly the built-in rules.
func TestCertificationFixtures(t *testing.T) {
	t.Parallel()
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(testutil.RepoRoot(t), "fixtures", "certification", "demo-clinic")
	acts, err := assess.LoadActivities(filepath.Join(dir, "activities.yaml"), suite)
	if err != nil {
		t.Fatal(err)
	}
	if got := acts.ItemIDs(); len(got) != 3 {
		t.Errorf("items %v", got)
	}
	prof, err := risk.LoadProfile(filepath.Join(dir, "risk.yaml"), suite)
	if err != nil {
		t.Fatal(err)
	}
	if sel := risk.NewPlan(suite, prof, nil).Selected(); len(sel) == 0 {
		t.Error("the example profile selects nothing")
	}
	b, err := os.ReadFile(filepath.Join(dir, "decision.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := decision.LoadRules("decision.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	def := decision.DefaultRules()
	if !reflect.DeepEqual(rules.Rules, def.Rules) || !reflect.DeepEqual(rules.Deadlines, def.Deadlines) || rules.Owner != def.Owner {
		t.Errorf("decision.yaml differs from the built-in rules:\n%+v\n%+v", rules, def)
	}
}
