package report

import (
	"reflect"
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// TestScope covers each way a scenario lands in or out of scope: from the
// results alone, from the run's selection, from a risk plan, and from both
// when they disagree.
func TestScope(t *testing.T) {
	t.Parallel()
	ran := func(id string) Scenario {
		return Scenario{ID: id, Title: "t" + id, Status: result.Pass, Rating: risk.Rating{Class: risk.Low}}
	}
	noStep := func(id string) Scenario {
		return Scenario{ID: id, Title: "t" + id, Status: result.Skip, Rating: risk.Rating{Class: risk.Low}}
	}
	planned := func(id string, selected bool, c risk.Class) risk.ScenarioPlan {
		return risk.ScenarioPlan{ID: id, Title: "p" + id, Selected: selected, Rating: risk.Rating{Class: c}, Reasons: []string{"plan says " + id}}
	}
	item := func(id, title string, c risk.Class, reason string) ScopeItem {
		return ScopeItem{Kind: "scenario", ID: id, Title: title, Class: c, Reason: reason}
	}
	tests := []struct {
		name       string
		scenarios  []Scenario
		sel        *result.Selection
		plan       *risk.Plan
		profile    bool // a risk profile was given (to the run, plan --out or the report)
		aborted    string
		tested     []ScopeItem
		notTested  []ScopeItem
		deviations []string
		notRun     []string
	}{
		{
			name:       "results only",
			scenarios:  []Scenario{ran("S1"), noStep("S2")},
			aborted:    "unreachable",
			tested:     []ScopeItem{item("S1", "tS1", risk.Low, "run")},
			notTested:  []ScopeItem{item("S2", "tS2", risk.Low, "started but no step ran (run aborted: unreachable)")},
			deviations: []string{"the run was aborted: unreachable"},
		},
		{
			name:      "the run's selection",
			scenarios: []Scenario{ran("S1")},
			sel: &result.Selection{By: "scenarios",
				Selected:    []result.SelectionItem{{ID: "S1", Reasons: []string{"asked for"}}, {ID: "S2", Title: "sS2", Class: "high"}},
				NotSelected: []result.SelectionItem{{ID: "S3", Title: "sS3", Class: "low", Reasons: []string{"not asked for"}}}},
			tested: []ScopeItem{item("S1", "tS1", risk.Low, "asked for")},
			notTested: []ScopeItem{
				item("S2", "sS2", risk.High, "selected by the run's selection (scenarios) but not run"),
				item("S3", "sS3", risk.Low, "not selected by the run's selection (scenarios): not asked for"),
			},
			deviations: []string{"S2 was selected (high) but did not run"},
			notRun:     []string{"S2"},
		},
		{
			name:      "a risk plan, no selection recorded",
			scenarios: []Scenario{ran("S3"), noStep("S4")},
			plan: &risk.Plan{Scenarios: []risk.ScenarioPlan{planned("S1", true, risk.High), planned("S2", false, risk.Low),
				planned("S3", false, risk.Low), planned("S4", true, risk.Medium)}},
			tested: []ScopeItem{item("S3", "tS3", risk.Low, "run")},
			notTested: []ScopeItem{
				item("S4", "tS4", risk.Low, "started but no step ran"),
				item("S1", "pS1", risk.High, "selected by the risk plan but not run"),
				item("S2", "pS2", risk.Low, "plan says S2"),
			},
			deviations: []string{"S1 was selected (high) but did not run", "S3 ran although the risk plan did not select it", "S4 was selected (medium) but no step ran"},
			notRun:     []string{"S1", "S4"},
		},
		{
			name:      "plan and selection disagree",
			scenarios: []Scenario{ran("S1")},
			sel: &result.Selection{By: "scenarios", Selected: []result.SelectionItem{{ID: "S1"}},
				NotSelected: []result.SelectionItem{{ID: "S2", Title: "sS2", Class: "low"}}},
			plan:    &risk.Plan{Scenarios: []risk.ScenarioPlan{planned("S1", true, risk.Low), planned("S2", true, risk.High)}},
			profile: true,
			tested:  []ScopeItem{item("S1", "tS1", risk.Low, "run")},
			// The plan's class wins over the one the run recorded.
			notTested:  []ScopeItem{item("S2", "sS2", risk.High, "not selected by the run's selection (scenarios)")},
			deviations: []string{"S2 is selected by the risk plan (high) but the run's selection (scenarios) left it out"},
			notRun:     []string{"S2"},
		},
		{
			// Issue 20: a run of every scenario with no risk profile is
			// not measured against the plan the report derives from the
			// suite's own values (which leaves S2 out).
			name:      "every scenario, no risk profile",
			scenarios: []Scenario{ran("S1"), ran("S2")},
			sel: &result.Selection{By: result.SelectedAll, Selected: []result.SelectionItem{
				{ID: "S1", Reasons: []string{result.ReasonAll}}, {ID: "S2", Reasons: []string{result.ReasonAll}}}},
			plan:   &risk.Plan{Scenarios: []risk.ScenarioPlan{planned("S1", true, risk.High), planned("S2", false, risk.Low)}},
			tested: []ScopeItem{item("S1", "tS1", risk.Low, result.ReasonAll), item("S2", "tS2", risk.Low, result.ReasonAll)},
		},
		{
			name:      "every scenario, then a risk profile",
			scenarios: []Scenario{ran("S1"), ran("S2")},
			sel: &result.Selection{By: result.SelectedAll, Selected: []result.SelectionItem{
				{ID: "S1", Reasons: []string{result.ReasonAll}}, {ID: "S2", Reasons: []string{result.ReasonAll}}}},
			plan:       &risk.Plan{Scenarios: []risk.ScenarioPlan{planned("S1", true, risk.High), planned("S2", false, risk.Low)}},
			profile:    true,
			tested:     []ScopeItem{item("S1", "tS1", risk.Low, result.ReasonAll), item("S2", "tS2", risk.Low, result.ReasonAll)},
			deviations: []string{"S2 ran although the risk plan did not select it"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{in: Inputs{Run: &result.Run{Selection: tc.sel}, Plan: tc.plan}}
			if tc.profile {
				b.in.Profile = &risk.Profile{}
			}
			s, open := b.scope(tc.scenarios, tc.aborted)
			// Every sentence in both languages, the Swedish one without
			// the English catalogue's words.
			if len(s.DeviationsFromPlanSV) != len(s.DeviationsFromPlan) {
				t.Errorf("deviations sv %q for en %q", s.DeviationsFromPlanSV, s.DeviationsFromPlan)
			}
			for _, l := range [][]ScopeItem{s.Tested, s.NotTested} {
				for i := range l {
					if l[i].ReasonSV == "" || l[i].ReasonSV == l[i].Reason {
						t.Errorf("%s: Swedish reason %q for %q", l[i].ID, l[i].ReasonSV, l[i].Reason)
					}
					l[i].ReasonSV = ""
				}
			}
			s.DeviationsFromPlanSV = nil
			if s.PlanProfile != "" != (tc.profile && tc.sel != nil) {
				t.Errorf("plan profile %q, profile given %v", s.PlanProfile, tc.profile)
			}
			s.PlanProfile = ""
			var notRun []string
			for _, o := range open {
				notRun = append(notRun, o.ID)
			}
			want := Scope{Tested: tc.tested, NotTested: tc.notTested, DeviationsFromPlan: tc.deviations}
			if tc.sel != nil {
				want.SelectedBy = tc.sel.By
			}
			for _, l := range []*[]ScopeItem{&want.Tested, &want.NotTested} {
				if *l == nil {
					*l = []ScopeItem{}
				}
			}
			if want.DeviationsFromPlan == nil {
				want.DeviationsFromPlan = []string{}
			}
			if !reflect.DeepEqual(s, want) {
				t.Errorf("scope\n got %+v\nwant %+v", s, want)
			}
			if !reflect.DeepEqual(notRun, tc.notRun) {
				t.Errorf("not run %v, want %v", notRun, tc.notRun)
			}
		})
	}
}
