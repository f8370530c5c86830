package risk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
)

// Where a function of the plan comes from.
const (
	FunctionFromProfile     = "risk profile"      // the profile's functions:
	FunctionFromScenarios   = "suite scenarios"   // declared by the suite's scenarios (functions:)
	FunctionFromRequirement = "suite requirement" // one per suite requirement, when nothing names functions
)

// Sources of scenario tags.
const (
	TagsFromProfile = "risk profile"
	TagsFromSuite   = "suite"
	TagsDerived     = "derived"
)

// Depths of testing a function gets.
const (
	DepthAll        = "all"        // high risk, or a changed function (funktionsändring)
	DepthCore       = "core"       // medium risk, or a bug fix (felrättning)
	DepthSmoke      = "smoke"      // low risk
	DepthRegression = "regression" // unchanged function in a re-certification
)

// Plan is the selection of scenarios for a run, with the risk of every
// function, scenario and requirement and the reasons for each choice. It is
// computed before anything runs (`rivgate conform plan`) and again for the
// report, from the same suite and profile.
type Plan struct {
	Suite        string            `json:"suite"`
	Profile      string            `json:"profile,omitempty"`
	Consumer     string            `json:"consumer,omitempty"`
	Kind         string            `json:"kind"`
	Matrix       Matrix            `json:"matrix"`
	Functions    []FunctionPlan    `json:"functions"`
	Scenarios    []ScenarioPlan    `json:"scenarios"`
	Requirements []RequirementRisk `json:"requirements"`
	// Notes say what the plan could not resolve (e.g. an operation that is
	// not in the contracts).
	Notes []string `json:"notes,omitempty"`
}

// FunctionPlan is one function of the consumer and how deeply it is tested.
type FunctionPlan struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Derived: the profile lists no functions, so the function comes from
	// the suite (Source says how).
	Derived bool `json:"derived,omitempty"`
	// Source is where the function comes from: FunctionFromProfile,
	// FunctionFromScenarios or FunctionFromRequirement.
	Source           string   `json:"source"`
	Requirements     []string `json:"requirements"`
	Scenarios        []string `json:"scenarios"`
	Rating           Rating   `json:"rating"`
	ImpactSource     string   `json:"impact_source"`
	LikelihoodSource string   `json:"likelihood_source"`
	Depth            string   `json:"depth"`
	Change           *Change  `json:"change,omitempty"`
	Selected         []string `json:"selected"`
}

// ScenarioPlan is one scenario's risk and whether it runs, and why.
type ScenarioPlan struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Requirements []string `json:"requirements"`
	Contracts    []string `json:"contracts,omitempty"`
	Functions    []string `json:"functions,omitempty"`
	// FunctionsSource says how the scenario was placed in its functions:
	// "suite" (its own functions: list), "risk profile" (a function's
	// scenarios: list), "requirements" (a function's requirements it
	// covers); several joined by ", ".
	FunctionsSource  string   `json:"functions_source,omitempty"`
	Rating           Rating   `json:"rating"`
	ImpactSource     string   `json:"impact_source"`
	LikelihoodSource string   `json:"likelihood_source"`
	Tags             []string `json:"tags"`
	// TagsSource is "risk profile", "suite" (the scenario's tags:) or
	// "derived" (from its steps and risk, when neither gives tags).
	TagsSource string   `json:"tags_source"`
	Selected   bool     `json:"selected"`
	Reasons    []string `json:"reasons"`
}

// RequirementRisk is a requirement's effective impact.
type RequirementRisk struct {
	ID     string `json:"id"`
	Text   string `json:"text,omitempty"`
	Impact int    `json:"impact"`
	Source string `json:"source"`
}

// NewPlan computes the plan for suite under profile (nil: the suite's own
// values, every scenario's function at the depth its risk gives). set
// resolves step operations to contract namespaces; nil leaves scenarios
// that only name operations without contracts (they are then never
// excluded by the profile's contract list).
func NewPlan(suite *scenario.Suite, profile *Profile, set *contracts.Set) *Plan {
	b := &builder{suite: suite, prof: profile, set: set, m: profile.EffectiveMatrix()}
	if b.prof == nil {
		b.prof = &Profile{}
	}
	return b.build()
}

type builder struct {
	suite *scenario.Suite
	prof  *Profile
	set   *contracts.Set
	m     Matrix
	plan  *Plan
	// effective values
	impact  map[string]RequirementRisk
	scen    map[string]*ScenarioPlan
	covered map[string][]string // scenario -> requirement ids it covers
}

func (b *builder) build() *Plan {
	p := &Plan{Suite: b.suite.ID, Profile: b.prof.File, Consumer: b.prof.Consumer, Kind: b.prof.EffectiveKind(), Matrix: b.m}
	b.plan = p
	funcs := b.functions()
	b.requirements(funcs)
	b.scenarios(funcs)
	for i := range funcs {
		b.rateFunction(&funcs[i])
	}
	b.selectScenarios(funcs)
	p.Functions = funcs
	for _, sc := range b.suite.Scenarios {
		sp := b.scen[sc.ID]
		if !sp.Selected && len(sp.Reasons) == 0 {
			sp.Reasons = append(sp.Reasons, "not selected: it belongs to no function the consumer uses")
		}
		p.Scenarios = append(p.Scenarios, *sp)
	}
	return p
}

// functions lists the profile's functions; without them the functions the
// suite's scenarios declare, plus one per suite requirement covered by a
// scenario that declares none (every suite requirement when no scenario
// declares functions).
func (b *builder) functions() []FunctionPlan {
	var out []FunctionPlan
	if len(b.prof.Functions) > 0 {
		for _, f := range b.prof.Functions {
			out = append(out, FunctionPlan{ID: f.ID, Title: f.Title, Source: FunctionFromProfile, Requirements: slices.Clone(f.Requirements)})
		}
	} else {
		declared := b.suite.Functions()
		for _, id := range declared {
			out = append(out, FunctionPlan{ID: id, Derived: true, Source: FunctionFromScenarios, Requirements: []string{}})
		}
		var undeclared []string // requirements covered by scenarios without functions
		for _, sc := range b.suite.Scenarios {
			if len(sc.Functions) == 0 {
				undeclared = append(undeclared, coveredRequirements(sc)...)
			}
		}
		for _, r := range b.suite.Requirements {
			if len(declared) > 0 && (!slices.Contains(undeclared, r.ID) || slices.Contains(declared, r.ID)) {
				continue
			}
			out = append(out, FunctionPlan{ID: r.ID, Title: r.Text, Derived: true, Source: FunctionFromRequirement, Requirements: []string{r.ID}})
		}
	}
	for i := range out {
		for _, c := range b.prof.Changes {
			if c.Function == out[i].ID {
				c := c
				out[i].Change = &c
			}
		}
	}
	return out
}

func (b *builder) profileFunction(id string) *Function {
	for i := range b.prof.Functions {
		if b.prof.Functions[i].ID == id {
			return &b.prof.Functions[i]
		}
	}
	return nil
}

// requirements sets each requirement's effective impact.
func (b *builder) requirements(funcs []FunctionPlan) {
	b.impact = map[string]RequirementRisk{}
	for _, r := range b.suite.AllRequirements() {
		rr := RequirementRisk{ID: r.ID, Text: r.Text, Impact: r.Impact, Source: "suite"}
		if r.Source == "builtin" {
			rr.Source = "builtin"
		}
		best := 0
		for _, f := range funcs {
			if pf := b.profileFunction(f.ID); pf != nil && pf.Impact > best && slices.Contains(pf.Requirements, r.ID) {
				best = pf.Impact
				rr.Impact, rr.Source = pf.Impact, "risk profile function "+f.ID
			}
		}
		for _, o := range b.prof.Requirements {
			if o.ID == r.ID {
				rr.Impact, rr.Source = o.Impact, "risk profile"
			}
		}
		b.impact[r.ID] = rr
		b.plan.Requirements = append(b.plan.Requirements, rr)
	}
}

// Impact is the effective impact of requirement id (0 when unknown).
func (p *Plan) Impact(id string) int {
	for _, r := range p.Requirements {
		if r.ID == id {
			return r.Impact
		}
	}
	return 0
}

// Scenario returns the plan of scenario id.
func (p *Plan) Scenario(id string) (ScenarioPlan, bool) {
	for _, s := range p.Scenarios {
		if s.ID == id {
			return s, true
		}
	}
	return ScenarioPlan{}, false
}

// Selected lists the selected scenario ids in suite order: what `conform
// run` should run (harness.Options.Scenarios).
func (p *Plan) Selected() []string {
	var out []string
	for _, s := range p.Scenarios {
		if s.Selected {
			out = append(out, s.ID)
		}
	}
	return out
}

// coveredRequirements are the requirements a scenario tests: its own, its
// steps' and its matchers'.
func coveredRequirements(sc *scenario.Scenario) []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(sc.Requirements...)
	for _, st := range sc.Steps {
		add(st.Requirements...)
		if st.Expect != nil {
			for _, m := range st.Expect.Match {
				add(m.Requirement)
			}
		}
	}
	return out
}

// scenarioContracts are the contract namespaces a scenario's steps expect.
func (b *builder) scenarioContracts(sc *scenario.Scenario) []string {
	var out []string
	add := func(ns string) {
		if ns != "" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	for _, st := range sc.Steps {
		if st.Expect == nil {
			continue
		}
		add(st.Expect.Contract)
		if st.Expect.Operation != "" && st.Expect.Contract == "" {
			found := false
			if b.set != nil {
				for _, op := range b.set.Operations() {
					if op.Name == st.Expect.Operation {
						add(op.Namespace)
						found = true
					}
				}
			}
			if !found && b.set != nil {
				b.plan.Notes = append(b.plan.Notes, fmt.Sprintf("scenario %s step %s: operation %s is not in the contracts", sc.ID, st.ID, st.Expect.Operation))
			}
		}
	}
	return out
}

// isHappy: every answer is a normal response, nothing is broken, delayed
// or left to a person — the smoke subset when neither the profile nor the
// suite tags the scenario.
func isHappy(sc *scenario.Scenario) bool {
	answered := false
	for _, st := range sc.Steps {
		if st.Manual != "" {
			return false
		}
		if r := st.Respond; r != nil {
			if (r.File == "" && r.Template == "") || r.SOAPFault != nil || r.VPFault != "" || r.Timeout || r.Connection != "" || r.Delay != 0 || r.Status >= 300 {
				return false
			}
			answered = true
		} else if st.Request != "" {
			answered = true // producer mode: the producer answers
		}
	}
	return answered
}

func (b *builder) scenarios(funcs []FunctionPlan) {
	b.scen = map[string]*ScenarioPlan{}
	b.covered = map[string][]string{}
	for _, sc := range b.suite.Scenarios {
		reqs := coveredRequirements(sc)
		sp := &ScenarioPlan{ID: sc.ID, Title: sc.Title, Requirements: reqs, Contracts: b.scenarioContracts(sc)}
		b.covered[sc.ID] = reqs
		var via []string
		for i := range funcs {
			f := &funcs[i]
			var how []string
			if slices.Contains(sc.Functions, f.ID) {
				how = append(how, "suite")
			}
			if pf := b.profileFunction(f.ID); pf != nil && slices.Contains(pf.Scenarios, sc.ID) {
				how = append(how, "risk profile")
			}
			// A scenario that names its functions joins a suite-derived
			// function only by name; a profile's function by any means.
			byReqs := f.Source == FunctionFromProfile || len(sc.Functions) == 0
			if byReqs && slices.ContainsFunc(reqs, func(r string) bool { return slices.Contains(f.Requirements, r) }) {
				how = append(how, "requirements")
			}
			if len(how) > 0 {
				f.Scenarios = append(f.Scenarios, sc.ID)
				sp.Functions = append(sp.Functions, f.ID)
				for _, h := range how {
					via = appendOnce(via, h)
				}
			}
		}
		sp.FunctionsSource = strings.Join(via, ", ")
		// likelihood: scenario override > function > contract > suite
		like, likeSrc := sc.Likelihood, "suite"
		contractLike, contractImpact := 0, 0
		for _, c := range b.prof.Contracts {
			if slices.Contains(sp.Contracts, c.Namespace) {
				contractLike = max(contractLike, c.Likelihood)
				contractImpact = max(contractImpact, c.Impact)
			}
		}
		if contractLike > 0 {
			like, likeSrc = contractLike, "risk profile contract"
		}
		fnLike := 0
		for _, fid := range sp.Functions {
			if pf := b.profileFunction(fid); pf != nil && pf.Likelihood > fnLike {
				fnLike, likeSrc = pf.Likelihood, "risk profile function "+fid
			}
		}
		if fnLike > 0 {
			like = fnLike
		}
		for _, o := range b.prof.Scenarios {
			if o.ID == sc.ID && o.Likelihood > 0 {
				like, likeSrc = o.Likelihood, "risk profile"
			}
		}
		impact, impSrc := 0, "requirements"
		for _, r := range reqs {
			impact = max(impact, b.impact[r].Impact)
		}
		if contractImpact > 0 {
			impact, impSrc = contractImpact, "risk profile contract"
		}
		sp.Rating, sp.ImpactSource, sp.LikelihoodSource = b.m.Rate(impact, like), impSrc, likeSrc
		sp.Tags, sp.TagsSource = b.tags(sc, sp)
		b.scen[sc.ID] = sp
	}
}

func (b *builder) tags(sc *scenario.Scenario, sp *ScenarioPlan) ([]string, string) {
	for _, o := range b.prof.Scenarios {
		if o.ID == sc.ID && len(o.Tags) > 0 {
			return slices.Clone(o.Tags), TagsFromProfile
		}
	}
	if sc.Tags != nil { // "tags: []" says: in no subset
		return append([]string{}, sc.Tags...), TagsFromSuite
	}
	var tags []string
	smoke := isHappy(sc)
	if smoke {
		tags = append(tags, TagSmoke)
	}
	if smoke || sp.Rating.Likelihood >= 3 || sp.Rating.Impact == 4 {
		tags = append(tags, TagCore)
	}
	if smoke || sp.Rating.Class == High {
		tags = append(tags, TagRegression)
	}
	return tags, TagsDerived
}

func (b *builder) rateFunction(f *FunctionPlan) {
	pf := b.profileFunction(f.ID)
	impact, impSrc := 0, "requirements"
	for _, r := range f.Requirements {
		impact = max(impact, b.impact[r].Impact)
	}
	if impact == 0 {
		impSrc = "scenarios"
		for _, s := range f.Scenarios {
			impact = max(impact, b.scen[s].Rating.Impact)
		}
	}
	like, likeSrc := 0, "scenarios"
	for _, s := range f.Scenarios {
		like = max(like, b.scen[s].Rating.Likelihood)
	}
	if pf != nil && pf.Impact > 0 {
		impact, impSrc = pf.Impact, "risk profile"
	}
	if pf != nil && pf.Likelihood > 0 {
		like, likeSrc = pf.Likelihood, "risk profile"
	}
	f.Rating, f.ImpactSource, f.LikelihoodSource = b.m.Rate(impact, like), impSrc, likeSrc
}

// usesContracts: the profile lists no contracts, or the scenario exercises
// one of them, or its contracts are unknown.
func (b *builder) usesContracts(sp *ScenarioPlan) bool {
	if len(b.prof.Contracts) == 0 || len(sp.Contracts) == 0 {
		return true
	}
	for _, c := range b.prof.Contracts {
		if slices.Contains(sp.Contracts, c.Namespace) {
			return true
		}
	}
	return false
}

func (b *builder) withTag(ids []string, tag string) []string {
	var out []string
	for _, id := range ids {
		if slices.Contains(b.scen[id].Tags, tag) {
			out = append(out, id)
		}
	}
	return out
}

func (b *builder) selectScenarios(funcs []FunctionPlan) {
	recert := b.plan.Kind == KindRecertification
	for i := range funcs {
		f := &funcs[i]
		var usable []string
		for _, id := range f.Scenarios {
			sp := b.scen[id]
			if b.usesContracts(sp) {
				usable = append(usable, id)
				continue
			}
			sp.Reasons = appendOnce(sp.Reasons, fmt.Sprintf("not selected: it exercises %s, which the consumer does not use (risk profile contracts)", strings.Join(sp.Contracts, ", ")))
		}
		what := fmt.Sprintf("function %s (%s)", f.ID, f.Rating)
		var chosen []string
		var why string
		switch {
		case recert && f.Change != nil && f.Change.Type == ChangeFeature:
			f.Depth, chosen = DepthAll, usable
			why = fmt.Sprintf("%s changed (%s): all its scenarios run", what, f.Change.Type)
		case recert && f.Change != nil:
			f.Depth = DepthCore
			chosen, why = b.coreOrFallback(usable, fmt.Sprintf("%s changed (%s): its core set runs", what, f.Change.Type))
			for _, s := range f.Change.Scenarios {
				if slices.Contains(usable, s) && !slices.Contains(chosen, s) {
					chosen = append(chosen, s)
				}
			}
		case recert:
			f.Depth, chosen = DepthRegression, b.withTag(usable, TagRegression)
			why = fmt.Sprintf("%s is unchanged: its regression set runs", what)
		case f.Rating.Class == High:
			f.Depth, chosen = DepthAll, usable
			why = what + ": high risk, all its scenarios run"
		case f.Rating.Class == Medium:
			f.Depth = DepthCore
			chosen, why = b.coreOrFallback(usable, what+": medium risk, its core set runs")
		default:
			f.Depth = DepthSmoke
			chosen = b.withTag(usable, TagSmoke)
			why = what + ": low risk, its smoke subset runs"
			if len(chosen) == 0 && len(usable) > 0 {
				chosen = usable[:1]
				why += " (no smoke scenario: its first scenario runs, so the function is exercised)"
			}
		}
		f.Selected = chosen
		for _, id := range usable {
			sp := b.scen[id]
			if slices.Contains(chosen, id) {
				sp.Selected = true
				sp.Reasons = appendOnce(sp.Reasons, "selected: "+why)
			} else {
				sp.Reasons = appendOnce(sp.Reasons, fmt.Sprintf("not selected by %s: %s; tags %s", f.ID, why, tagList(sp.Tags)))
			}
		}
	}
	// A scenario that is high risk on its own runs whenever it belongs to a
	// function in use (first certification only: re-certification is
	// scoped by the changes and the regression set).
	if !recert {
		for _, sc := range b.suite.Scenarios {
			sp := b.scen[sc.ID]
			if sp.Selected || sp.Rating.Class != High || len(sp.Functions) == 0 || !b.usesContracts(sp) {
				continue
			}
			sp.Selected = true
			sp.Reasons = append(sp.Reasons, fmt.Sprintf("selected: the scenario itself is high risk (%s)", sp.Rating))
		}
	}
}

func (b *builder) coreOrFallback(usable []string, why string) ([]string, string) {
	chosen := b.withTag(usable, TagCore)
	if len(chosen) > 0 {
		return chosen, why
	}
	if chosen = b.withTag(usable, TagSmoke); len(chosen) > 0 {
		return chosen, why + " (no core scenario: its smoke subset runs)"
	}
	if len(usable) > 0 {
		return usable[:1], why + " (no core or smoke scenario: its first scenario runs, so the function is exercised)"
	}
	return nil, why
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}

func appendOnce(ss []string, s string) []string {
	if slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}
