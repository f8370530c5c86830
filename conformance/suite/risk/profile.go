package risk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/certfile"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// ProfileFile is the conventional name of a risk profile (and the name it
// is copied to in a run's output directory and the evidence bundle).
const ProfileFile = "risk.yaml"

// Kinds of certification.
const (
	KindCertification   = "certification"
	KindRecertification = "recertification"
)

// Change types of a re-certification (the seed process's words).
const (
	ChangeBugFix  = "felrättning"      // a fault was corrected
	ChangeFeature = "funktionsändring" // the function changed
)

// Scenario tags that drive the selection (the suite model's, so suites and
// profiles use the same words).
const (
	TagSmoke      = scenario.TagSmoke
	TagCore       = scenario.TagCore
	TagRegression = scenario.TagRegression
)

// Profile is risk.yaml: the maturity analysis in data.
type Profile struct {
	// Consumer names the system and version under test (for the report).
	Consumer string `yaml:"consumer,omitempty" json:"consumer,omitempty"`
	// Kind is certification or recertification; default recertification
	// when Changes is not empty.
	Kind   string  `yaml:"kind,omitempty" json:"kind,omitempty"`
	Matrix *Matrix `yaml:"matrix,omitempty" json:"matrix,omitempty"`
	// Contracts the consumer uses; empty = every contract in the suite.
	Contracts []ContractUse `yaml:"contracts,omitempty" json:"contracts,omitempty"`
	// Functions the consumer uses; empty = one function per suite
	// requirement.
	Functions    []Function            `yaml:"functions,omitempty" json:"functions,omitempty"`
	Requirements []RequirementOverride `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Scenarios    []ScenarioOverride    `yaml:"scenarios,omitempty" json:"scenarios,omitempty"`
	// Changes since the last certification (re-certification).
	Changes []Change `yaml:"changes,omitempty" json:"changes,omitempty"`

	// File is where the profile was read from ("" when built in code).
	File string `yaml:"-" json:"-"`
}

// ContractUse is a contract the consumer uses, with optional overrides for
// the scenarios that exercise it.
type ContractUse struct {
	Namespace  string `yaml:"namespace" json:"namespace"`
	Likelihood int    `yaml:"likelihood,omitempty" json:"likelihood,omitempty"`
	Impact     int    `yaml:"impact,omitempty" json:"impact,omitempty"`
}

// Function is a function of the consumer: the requirements and scenarios
// that test it, with optional overrides.
type Function struct {
	ID           string   `yaml:"id" json:"id"`
	Title        string   `yaml:"title,omitempty" json:"title,omitempty"`
	Requirements []string `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Scenarios    []string `yaml:"scenarios,omitempty" json:"scenarios,omitempty"`
	Likelihood   int      `yaml:"likelihood,omitempty" json:"likelihood,omitempty"`
	Impact       int      `yaml:"impact,omitempty" json:"impact,omitempty"`
}

// RequirementOverride sets a requirement's impact.
type RequirementOverride struct {
	ID     string `yaml:"id" json:"id"`
	Impact int    `yaml:"impact" json:"impact"`
}

// ScenarioOverride sets a scenario's likelihood and/or tags.
type ScenarioOverride struct {
	ID         string   `yaml:"id" json:"id"`
	Likelihood int      `yaml:"likelihood,omitempty" json:"likelihood,omitempty"`
	Tags       []string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Change is one changed function (re-certification).
type Change struct {
	Function    string `yaml:"function" json:"function"`
	Type        string `yaml:"type" json:"type"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Scenarios that must run besides what the change type selects (for a
	// bug fix: the scenarios that showed the fault).
	Scenarios []string `yaml:"scenarios,omitempty" json:"scenarios,omitempty"`
}

// LoadProfile reads risk.yaml strictly and checks it against the suite
// (nil suite: only the file's own rules). Errors name file, line and field.
func LoadProfile(path string, suite *scenario.Suite) (*Profile, error) {
	var p Profile
	f, err := certfile.Read(path, &p)
	if err != nil {
		return nil, err
	}
	p.File = path
	p.check(f, suite)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return &p, nil
}

// ParseProfile is LoadProfile on bytes; name is used in errors.
func ParseProfile(name string, data []byte, suite *scenario.Suite) (*Profile, error) {
	var p Profile
	f, err := certfile.Decode(name, data, &p)
	if err != nil {
		return nil, err
	}
	p.File = name
	p.check(f, suite)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Profile) check(f *certfile.File, suite *scenario.Suite) {
	level := func(field string, v int, what string) {
		if v != 0 && (v < 1 || v > 4) {
			f.Errorf(field, "%s must be 1-4, got %d", what, v)
		}
	}
	if p.Kind != "" && p.Kind != KindCertification && p.Kind != KindRecertification {
		f.Errorf("$.kind", "kind %q: want %s or %s", p.Kind, KindCertification, KindRecertification)
	}
	if p.Matrix != nil {
		if err := p.Matrix.Validate(); err != nil {
			f.Errorf("$.matrix", "%v", err)
		}
	}
	var scenarios, requirements map[string]bool
	var declared []string // functions the suite's scenarios declare
	if suite != nil {
		scenarios, requirements = map[string]bool{}, map[string]bool{}
		for _, sc := range suite.Scenarios {
			scenarios[sc.ID] = true
		}
		declared = suite.Functions()
		for _, r := range suite.AllRequirements() {
			requirements[r.ID] = true
		}
	}
	knownScenario := func(field, id string) {
		if scenarios != nil && !scenarios[id] {
			f.Errorf(field, "scenario %q is not in suite %s", id, suite.ID)
		}
	}
	knownReq := func(field, id string) {
		if requirements != nil && !requirements[id] {
			f.Errorf(field, "requirement %q is not in suite %s", id, suite.ID)
		}
	}
	for i, c := range p.Contracts {
		field := fmt.Sprintf("$.contracts[%d]", i)
		if c.Namespace == "" {
			f.Errorf(field+".namespace", "namespace is required")
		}
		level(field+".likelihood", c.Likelihood, "likelihood")
		level(field+".impact", c.Impact, "impact")
	}
	funcs := map[string]bool{}
	for i, fn := range p.Functions {
		field := fmt.Sprintf("$.functions[%d]", i)
		switch {
		case fn.ID == "":
			f.Errorf(field+".id", "id is required")
		case funcs[fn.ID]:
			f.Errorf(field+".id", "function %q listed twice", fn.ID)
		}
		funcs[fn.ID] = true
		if len(fn.Requirements) == 0 && len(fn.Scenarios) == 0 && !slices.Contains(declared, fn.ID) {
			f.Errorf(field, "function %q names no requirements and no scenarios, and no scenario of the suite declares it (scenario functions: %s)", fn.ID, orNone(declared))
		}
		for j, r := range fn.Requirements {
			knownReq(fmt.Sprintf("%s.requirements[%d]", field, j), r)
		}
		for j, s := range fn.Scenarios {
			knownScenario(fmt.Sprintf("%s.scenarios[%d]", field, j), s)
		}
		level(field+".likelihood", fn.Likelihood, "likelihood")
		level(field+".impact", fn.Impact, "impact")
	}
	for i, r := range p.Requirements {
		field := fmt.Sprintf("$.requirements[%d]", i)
		knownReq(field+".id", r.ID)
		if r.Impact < 1 || r.Impact > 4 {
			f.Errorf(field+".impact", "impact must be 1-4, got %d", r.Impact)
		}
	}
	for i, s := range p.Scenarios {
		field := fmt.Sprintf("$.scenarios[%d]", i)
		knownScenario(field+".id", s.ID)
		level(field+".likelihood", s.Likelihood, "likelihood")
		for j, t := range s.Tags {
			if !slices.Contains([]string{TagSmoke, TagCore, TagRegression}, t) {
				f.Errorf(fmt.Sprintf("%s.tags[%d]", field, j), "tag %q: want %s, %s or %s", t, TagSmoke, TagCore, TagRegression)
			}
		}
	}
	for i, c := range p.Changes {
		field := fmt.Sprintf("$.changes[%d]", i)
		if c.Type != ChangeBugFix && c.Type != ChangeFeature {
			f.Errorf(field+".type", "change type %q: want %s or %s", c.Type, ChangeBugFix, ChangeFeature)
		}
		switch {
		case c.Function == "":
			f.Errorf(field+".function", "function is required")
		case len(p.Functions) > 0 && !funcs[c.Function]:
			f.Errorf(field+".function", "function %q is not among the profile's functions", c.Function)
		case len(p.Functions) == 0 && slices.Contains(declared, c.Function):
			// A function the suite's scenarios declare.
		case len(p.Functions) == 0:
			// Without functions, each suite requirement is a function.
			if requirements != nil && !requirements[c.Function] {
				f.Errorf(field+".function", "function %q is neither declared by a scenario of suite %s nor one of its requirements", c.Function, suite.ID)
			}
		}
		for j, s := range c.Scenarios {
			knownScenario(fmt.Sprintf("%s.scenarios[%d]", field, j), s)
		}
	}
	if p.Kind == KindCertification && len(p.Changes) > 0 {
		f.Errorf("$.changes", "changes are for kind %s", KindRecertification)
	}
}

// EffectiveKind is Kind, defaulting to recertification when changes are
// listed.
func (p *Profile) EffectiveKind() string {
	switch {
	case p == nil:
		return KindCertification
	case p.Kind != "":
		return p.Kind
	case len(p.Changes) > 0:
		return KindRecertification
	}
	return KindCertification
}

// EffectiveMatrix is the profile's matrix or the default.
func (p *Profile) EffectiveMatrix() Matrix {
	if p == nil || p.Matrix == nil {
		return DefaultMatrix()
	}
	return *p.Matrix
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}
