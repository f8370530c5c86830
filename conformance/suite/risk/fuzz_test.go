package risk

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// FuzzParseProfile reads risk.yaml of any content against the demo suite:
// never a panic, every problem names the file, and an accepted profile
// gives a plan that selects only the suite's scenarios, each with reasons.
// Seeds: testdata/fuzz/FuzzParseProfile (the example profiles).
func FuzzParseProfile(f *testing.F) {
	f.Add([]byte("consumer: x\nfunctions:\n  - {id: visits, requirements: [DEMO-01]}\n"))
	suite := demoSuite(f)
	set := demoContracts(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile("risk.yaml", data, suite)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "risk.yaml") {
					t.Fatalf("a problem that names no file: %q", line)
				}
			}
			return
		}
		plan := NewPlan(suite, p, set)
		ids := suite.ScenarioIDs()
		for _, id := range plan.Selected() {
			if !slices.Contains(ids, id) {
				t.Fatalf("selected %q, not in the suite", id)
			}
		}
		if len(plan.Scenarios) != len(ids) {
			t.Fatalf("plan has %d scenarios, suite %d", len(plan.Scenarios), len(ids))
		}
		for _, sp := range plan.Scenarios {
			if len(sp.Reasons) == 0 || sp.Rating.Class.Rank() == 0 && sp.Rating.Impact > 0 {
				t.Fatalf("scenario %s: reasons %v rating %+v", sp.ID, sp.Reasons, sp.Rating)
			}
		}
		plan.Write(io.Discard)
		_ = plan.Summary()
		_ = plan.Selection(ProfileFile, "")
	})
}
