package decision

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/rivgate/rivgate/conformance/suite/certfile"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// RulesFile is the optional rules file in a suite directory.
const RulesFile = "decision.yaml"

// Severities of a finding, from its impact (IEEE 1044's names).
const (
	SeverityCritical        = "critical"        // impact 4
	SeverityMajor           = "major"           // impact 3
	SeverityMinor           = "minor"           // impact 2
	SeverityInconsequential = "inconsequential" // impact 1
)

// Severities lists them, most severe first.
func Severities() []string {
	return []string{SeverityCritical, SeverityMajor, SeverityMinor, SeverityInconsequential}
}

// SeverityOf maps impact to severity.
func SeverityOf(impact int) string {
	switch {
	case impact >= 4:
		return SeverityCritical
	case impact == 3:
		return SeverityMajor
	case impact == 2:
		return SeverityMinor
	}
	return SeverityInconsequential
}

func severityRank(s string) int { return len(Severities()) - slices.Index(Severities(), s) }

// Rules are the decision rules: evaluated in order, the first whose
// condition holds gives the outcome; every rule whose condition holds adds
// its reason.
type Rules struct {
	Rules []Rule `yaml:"rules" json:"rules"`
	// Deadlines are days to fix a deviation, per severity.
	Deadlines map[string]int `yaml:"deadlines,omitempty" json:"deadlines"`
	// Owner of deviations when no declaration names the supplier.
	Owner string `yaml:"owner,omitempty" json:"owner,omitempty"`
	// Source is where the rules came from ("built-in" or a file).
	Source string `yaml:"-" json:"source"`
}

// Rule is one rule.
type Rule struct {
	ID      string    `yaml:"id" json:"id"`
	When    Condition `yaml:"when" json:"when"`
	Outcome Outcome   `yaml:"outcome" json:"outcome"`
	// Reason, when set, is put before the generated details.
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// Condition holds when every field that is set holds.
type Condition struct {
	// Aborted: the run stopped early (results.json aborted).
	Aborted bool `yaml:"aborted,omitempty" json:"aborted,omitempty"`
	// Failed: a failed check, manual verdict or review in one of these
	// risk classes.
	Failed []risk.Class `yaml:"failed,omitempty" json:"failed,omitempty"`
	// PendingManual: a manual verdict is pending.
	PendingManual bool `yaml:"pending_manual,omitempty" json:"pending_manual,omitempty"`
	// PendingReview: a document-review item has no verdict.
	PendingReview bool `yaml:"pending_review,omitempty" json:"pending_review,omitempty"`
	// Skipped: a check that could not be verified, in one of these classes.
	Skipped []risk.Class `yaml:"skipped,omitempty" json:"skipped,omitempty"`
	// NotRun: a selected scenario that did not run, in one of these classes.
	NotRun []risk.Class `yaml:"not_run,omitempty" json:"not_run,omitempty"`
	// DeclarationMissing: the supplier's declaration is not recorded.
	DeclarationMissing bool `yaml:"declaration_missing,omitempty" json:"declaration_missing,omitempty"`
	// Otherwise always holds (the last rule).
	Otherwise bool `yaml:"otherwise,omitempty" json:"otherwise,omitempty"`
}

func (c Condition) empty() bool {
	return !c.Aborted && len(c.Failed) == 0 && !c.PendingManual && !c.PendingReview && len(c.Skipped) == 0 &&
		len(c.NotRun) == 0 && !c.DeclarationMissing && !c.Otherwise
}

func (c Condition) onlyOtherwise() bool {
	c.Otherwise = false
	return c.empty()
}

// DefaultRules are the built-in rules (DESIGN.md "Decision proposal").
func DefaultRules() Rules {
	hi := []risk.Class{risk.High}
	return Rules{
		Source: "built-in",
		Rules: []Rule{
			{ID: "aborted", When: Condition{Aborted: true}, Outcome: Aborted},
			{ID: "high-risk-failure", When: Condition{Failed: hi}, Outcome: Rejected},
			{ID: "high-risk-not-run", When: Condition{NotRun: hi}, Outcome: Incomplete},
			{ID: "manual-pending", When: Condition{PendingManual: true}, Outcome: Incomplete},
			{ID: "review-pending", When: Condition{PendingReview: true}, Outcome: Incomplete},
			{ID: "high-risk-skipped", When: Condition{Skipped: hi}, Outcome: Incomplete},
			{ID: "declaration-missing", When: Condition{DeclarationMissing: true}, Outcome: Incomplete},
			{ID: "medium-low-failures", When: Condition{Failed: []risk.Class{risk.Medium, risk.Low}}, Outcome: ApprovedWithConditions},
			{ID: "nothing-failed", When: Condition{Otherwise: true}, Outcome: Approved},
		},
		Deadlines: DefaultDeadlines(),
		Owner:     "leverantören",
	}
}

// DefaultDeadlines are days to fix, per severity.
func DefaultDeadlines() map[string]int {
	return map[string]int{SeverityCritical: 30, SeverityMajor: 60, SeverityMinor: 90, SeverityInconsequential: 180}
}

// LoadRules reads decision.yaml strictly. Missing deadlines and owner keep
// their defaults; the rule list replaces the default list.
func LoadRules(name string, data []byte) (Rules, error) {
	var r Rules
	f, err := certfile.Decode(name, data, &r)
	if err != nil {
		return Rules{}, err
	}
	r.check(f)
	if err := f.Err(); err != nil {
		return Rules{}, err
	}
	def := DefaultRules()
	if r.Deadlines == nil {
		r.Deadlines = def.Deadlines
	}
	for k, v := range def.Deadlines {
		if _, ok := r.Deadlines[k]; !ok {
			r.Deadlines[k] = v
		}
	}
	if r.Owner == "" {
		r.Owner = def.Owner
	}
	r.Source = name
	return r, nil
}

// SuiteRules loads the suite's decision.yaml, or the defaults when it has
// none.
func SuiteRules(suite *scenario.Suite) (Rules, error) {
	name := path.Join(suite.Dir, RulesFile)
	data, err := fs.ReadFile(suite.FS, name)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultRules(), nil
	}
	if err != nil {
		return Rules{}, fmt.Errorf("read decision rules: %w", err)
	}
	if suite.OSDir != "" {
		name = path.Join(suite.OSDir, RulesFile)
	}
	return LoadRules(name, data)
}

func (r *Rules) check(f *certfile.File) {
	if len(r.Rules) == 0 {
		f.Errorf("$.rules", "at least one rule is required")
	}
	classes := func(field string, cs []risk.Class) {
		for i, c := range cs {
			if c.Rank() == 0 {
				f.Errorf(fmt.Sprintf("%s[%d]", field, i), "risk class %q: want high, medium or low", c)
			}
		}
	}
	ids := map[string]bool{}
	for i, rule := range r.Rules {
		field := fmt.Sprintf("$.rules[%d]", i)
		switch {
		case rule.ID == "":
			f.Errorf(field+".id", "id is required")
		case ids[rule.ID]:
			f.Errorf(field+".id", "rule %q listed twice", rule.ID)
		}
		ids[rule.ID] = true
		if !rule.Outcome.Valid() {
			f.Errorf(field+".outcome", "outcome %q: want one of %v", rule.Outcome, Outcomes())
		}
		if rule.When.empty() {
			f.Errorf(field+".when", "a condition is required (otherwise: true for a catch-all)")
		}
		classes(field+".when.failed", rule.When.Failed)
		classes(field+".when.skipped", rule.When.Skipped)
		classes(field+".when.not_run", rule.When.NotRun)
	}
	for k, v := range r.Deadlines {
		if !slices.Contains(Severities(), k) {
			f.Errorf("$.deadlines."+k, "severity %q: want one of %v", k, Severities())
		} else if v < 1 {
			f.Errorf("$.deadlines."+k, "days must be at least 1, got %d", v)
		}
	}
}
