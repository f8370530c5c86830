package report

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// scope is what was tested and what not, and why: from the selection the
// run recorded (results.json), else from the risk plan; deviations compare
// what ran with the plan. scenarios are the report's, aborted is why the
// run stopped early. The scenarios that should have run but did not are
// returned as open items for the decision too.
func (b *builder) scope(scenarios []Scenario, aborted string) (Scope, []decision.Open) {
	sel, plan := b.in.Run.Selection, b.testPlan()
	recorded, selected := recordedSelection(sel)
	out, ran := inResults(scenarios, recorded, aborted)
	if sel != nil {
		out.add(b.selectionGaps(sel, ran, aborted))
	}
	if plan != nil {
		out.add(planGaps(plan, sel, ran, recorded, selected, aborted))
	}
	if b.in.Suite != nil {
		_, skipped := b.in.Suite.EnabledChecks()
		for _, id := range skipped {
			out.notTested = append(out.notTested, scopeItem("check", id, "", b.m.Rate(b.impact(id, 0), 1).Class, texts("scCheckOff")))
		}
	}
	if aborted != "" {
		out.deviations = append(out.deviations, texts("scAborted", aborted))
	}
	s := Scope{Tested: out.tested, NotTested: out.notTested, DeviationsFromPlan: []string{}, DeviationsFromPlanSV: []string{}}
	for _, d := range out.deviations {
		s.DeviationsFromPlan = append(s.DeviationsFromPlan, d.en)
		s.DeviationsFromPlanSV = append(s.DeviationsFromPlanSV, d.sv)
	}
	if plan != nil && sel != nil && sel.By != result.SelectedRiskPlan {
		s.PlanProfile = b.planProfileName()
	}
	if sel != nil {
		s.SelectedBy = sel.By
		if sel.Profile != "" {
			s.SelectionProfile = sel.Profile + " sha256:" + sel.ProfileSHA256
		}
	}
	return s, out.notRun
}

// testPlan is the plan the run is measured against, the one source for
// the scope, its deviations and the environment's risk profile: the risk
// plan when the run selected by one or a risk profile was given (to the
// run, to 'conform plan --out' or to the report), and for results that
// recorded no selection; nil when the run chose every scenario or named
// ones and no risk profile exists, so the plan the report derives from the
// suite's own values rates the scenarios but selects nothing.
func (b *builder) testPlan() *risk.Plan {
	sel := b.in.Run.Selection
	if b.in.Profile != nil || sel == nil || sel.By == result.SelectedRiskPlan {
		return b.in.Plan
	}
	return nil
}

// planProfileName names the risk profile of a plan given after the run.
func (b *builder) planProfileName() string {
	if b.in.Profile == nil {
		return ""
	}
	h := sha256.Sum256(b.in.ProfileRaw)
	return risk.ProfileFile + " sha256:" + hex.EncodeToString(h[:])
}

// scopePart is what one source of the scope contributes, in report order.
type scopePart struct {
	tested, notTested []ScopeItem
	deviations        []text
	notRun            []decision.Open // open items for the decision
}

func (p *scopePart) add(q scopePart) {
	p.tested = append(p.tested, q.tested...)
	p.notTested = append(p.notTested, q.notTested...)
	p.deviations = append(p.deviations, q.deviations...)
	p.notRun = append(p.notRun, q.notRun...)
}

// didNotRun adds a scenario that was selected but did not run: not
// tested, a deviation and an open item.
func (p *scopePart) didNotRun(id, title string, rt risk.Rating, why text, aborted string) {
	p.notTested = append(p.notTested, scopeItem("scenario", id, title, rt.Class, why.join(abortedSuffix(aborted))))
	p.deviations = append(p.deviations, texts("scSelectedNotRun", id, rt.Class))
	p.notRun = append(p.notRun, decision.Open{Kind: decision.OpenNotRun, ID: id, Text: title, Rating: rt})
}

// noStepRan adds a scenario the plan selected that started but ran no step.
func (p *scopePart) noStepRan(sp risk.ScenarioPlan) {
	p.deviations = append(p.deviations, texts("scSelectedNoStep", sp.ID, sp.Rating.Class))
	p.notRun = append(p.notRun, decision.Open{Kind: decision.OpenNotRun, ID: sp.ID, Text: sp.Title, Rating: sp.Rating})
}

// recordedSelection indexes the run's own selection: every scenario it
// recorded a choice for, and the ones it chose.
func recordedSelection(sel *result.Selection) (map[string]result.SelectionItem, map[string]bool) {
	recorded := map[string]result.SelectionItem{}
	selected := map[string]bool{}
	if sel != nil {
		for _, it := range sel.Selected {
			recorded[it.ID], selected[it.ID] = it, true
		}
		for _, it := range sel.NotSelected {
			recorded[it.ID] = it
		}
	}
	return recorded, selected
}

// inResults sorts the scenarios in the results into tested and not tested
// (started, but no step ran). ran has every scenario in the results: true
// when a step of it ran.
func inResults(scenarios []Scenario, recorded map[string]result.SelectionItem, aborted string) (scopePart, map[string]bool) {
	out := scopePart{tested: []ScopeItem{}, notTested: []ScopeItem{}}
	ran := map[string]bool{}
	for _, sc := range scenarios {
		ran[sc.ID] = sc.Status != result.Skip
		if sc.Status == result.Skip {
			out.notTested = append(out.notTested, scopeItem("scenario", sc.ID, sc.Title, sc.Rating.Class, texts("scNoStep").join(abortedSuffix(aborted))))
			continue
		}
		reason := texts("scRun")
		if it, ok := recorded[sc.ID]; ok && len(it.Reasons) > 0 {
			reason = recordedReasons(it.Reasons)
		} else if len(sc.Reasons) > 0 {
			reason = recordedReasons(sc.Reasons)
		}
		out.tested = append(out.tested, scopeItem("scenario", sc.ID, sc.Title, sc.Rating.Class, reason))
	}
	return out, ran
}

// selectionGaps compares the run's selection with its results: what it
// selected but did not run, and what it left out.
func (b *builder) selectionGaps(sel *result.Selection, ran map[string]bool, aborted string) scopePart {
	var out scopePart
	for _, it := range sel.Selected {
		if _, in := ran[it.ID]; !in {
			out.didNotRun(it.ID, it.Title, b.scenarioRating(it.ID, it.Class), texts("scSelNotRun", selectedBy(sel.By)), aborted)
		}
	}
	for _, it := range sel.NotSelected {
		if _, in := ran[it.ID]; in {
			continue
		}
		why := texts("scNotSelected", selectedBy(sel.By))
		if len(it.Reasons) > 0 {
			why = why.join(text{": ", ": "}, recordedReasons(it.Reasons))
		}
		out.notTested = append(out.notTested, scopeItem("scenario", it.ID, it.Title, b.scenarioRating(it.ID, it.Class).Class, why))
	}
	return out
}

// scenarioRating is the plan's rating of a scenario, else the risk class
// the run recorded for it.
func (b *builder) scenarioRating(id, recordedClass string) risk.Rating {
	if b.in.Plan != nil {
		if sp, ok := b.in.Plan.Scenario(id); ok {
			return sp.Rating
		}
	}
	return risk.Rating{Class: risk.Class(recordedClass)}
}

// planGaps compares the risk plan with the run's selection (nil when it
// recorded none) and results.
func planGaps(plan *risk.Plan, sel *result.Selection, ran map[string]bool, recorded map[string]result.SelectionItem, selected map[string]bool, aborted string) scopePart {
	var out scopePart
	for _, sp := range plan.Scenarios {
		_, inResults := ran[sp.ID]
		_, inSelection := recorded[sp.ID]
		switch {
		case sel != nil && inSelection && selected[sp.ID] == sp.Selected:
			// The run's selection agrees with the plan: handled by
			// selectionGaps, but for a scenario that started and ran no step.
			if inResults && !ran[sp.ID] && sp.Selected {
				out.noStepRan(sp)
			}
		case !inResults && sp.Selected && sel != nil:
			// The plan (a risk profile given to the report) wants what
			// the run did not select.
			out.deviations = append(out.deviations, texts("scPlanWantsIt", sp.ID, sp.Rating.Class, selectedBy(sel.By)))
			out.notRun = append(out.notRun, decision.Open{Kind: decision.OpenNotRun, ID: sp.ID, Text: sp.Title, Rating: sp.Rating})
		case !inResults && sp.Selected:
			out.didNotRun(sp.ID, sp.Title, sp.Rating, texts("scPlanNotRun"), aborted)
		case inResults && !ran[sp.ID] && sp.Selected:
			out.noStepRan(sp)
		case !inResults && sel == nil:
			out.notTested = append(out.notTested, scopeItem("scenario", sp.ID, sp.Title, sp.Rating.Class, recordedReasons(sp.Reasons)))
		case inResults && !sp.Selected:
			out.deviations = append(out.deviations, texts("scRanUnplanned", sp.ID))
		}
	}
	return out
}

func abortedSuffix(reason string) text {
	if reason == "" {
		return text{}
	}
	return texts("scAbortedSuffix", reason)
}

func scopeItem(kind, id, title string, c risk.Class, why text) ScopeItem {
	return ScopeItem{Kind: kind, ID: id, Title: title, Class: c, Reason: why.en, ReasonSV: why.sv}
}
