package decision

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// Finding is a failure: a failed check, a failed manual verdict or a
// failed document review, with its risk.
type Finding struct {
	ID          string      `json:"id"`
	Kind        string      `json:"kind"` // check, manual, review, unexpected
	Requirement string      `json:"requirement"`
	Scenario    string      `json:"scenario,omitempty"`
	Step        string      `json:"step,omitempty"`
	Check       string      `json:"check,omitempty"`
	Message     string      `json:"message"`
	Rating      risk.Rating `json:"rating"`
}

// Where is "S01/get-visits RIV-XSD-01", "review A-1" or the like.
func (f Finding) Where() string {
	switch {
	case f.Kind == "review":
		return "review " + f.Step
	case f.Scenario != "" && f.Check != "":
		return f.Scenario + "/" + f.Step + " " + f.Check
	case f.Scenario != "":
		return f.Scenario + "/" + f.Step
	}
	return f.Check + " " + f.ID
}

// Open is something not yet decided or not verified: a pending manual
// verdict or review, a skipped check, a selected scenario that did not run.
type Open struct {
	Kind        string      `json:"kind"` // manual, review, skipped, not-run
	ID          string      `json:"id"`   // "S03/shows-error", "A-1", ...
	Requirement string      `json:"requirement,omitempty"`
	Text        string      `json:"text,omitempty"`
	Rating      risk.Rating `json:"rating"`
}

// Kinds of Open.
const (
	OpenManual  = "manual"
	OpenReview  = "review"
	OpenSkipped = "skipped"
	OpenNotRun  = "not-run"
)

// Input is what a proposal is computed from.
type Input struct {
	Aborted  string // why the run stopped early; "" when it ran to the end
	Findings []Finding
	Open     []Open
	Declared bool
	// Base is the date deadlines count from (the run's end).
	Base time.Time
	// Owner of deviations (the supplier's organisation); default the
	// rules' owner.
	Owner string
	// Retest maps a requirement to the scenarios that test it.
	Retest map[string][]string
}

// Decision is a proposal, and the override when a person made one.
type Decision struct {
	// Outcome is the decision in force: the override's, else the
	// proposal's.
	Outcome Outcome `json:"outcome"`
	LabelSV string  `json:"label_sv"`
	LabelEN string  `json:"label_en"`
	// Proposed is what the rules gave, with the rule that decided.
	Proposed        Outcome     `json:"proposed"`
	ProposedLabelSV string      `json:"proposed_label_sv"`
	Rule            string      `json:"rule"`
	Reasons         []Reason    `json:"reasons"`
	Deviations      []Deviation `json:"deviations"`
	Override        *Override   `json:"override"`
	RulesSource     string      `json:"rules_source"`
}

// Reason is one rule that held, in both languages.
type Reason struct {
	Rule    string  `json:"rule"`
	Outcome Outcome `json:"outcome"`
	Text    string  `json:"text"`
	TextSV  string  `json:"text_sv"`
}

// Deviation is a requirement that failed, what must be done and by when.
type Deviation struct {
	ID          string     `json:"id"`
	Requirement string     `json:"requirement"`
	Findings    []string   `json:"findings"`
	Finding     string     `json:"finding"`
	Severity    string     `json:"severity"`
	Class       risk.Class `json:"risk_class"`
	Owner       string     `json:"owner"`
	FixDeadline string     `json:"fix_deadline"` // YYYY-MM-DD
	RetestScope []string   `json:"retest_scope"`
	// Text is the certifier's wording of the condition (DeviationEdit).
	Text string `json:"text,omitempty"`
	// Added says a certifier added the deviation; no finding gave it.
	Added bool `json:"added,omitempty"`
	// Edited is the certifier's latest edit, nil when there was none.
	Edited *Edited `json:"edited,omitempty"`
}

// Override is a person's decision replacing the proposal.
type Override struct {
	Outcome Outcome   `json:"outcome"`
	LabelSV string    `json:"label_sv,omitempty"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// maxListed bounds how many items one reason names.
const maxListed = 5

// Propose applies the rules to in, then the override (nil: none).
func (r Rules) Propose(in Input, override *Override) Decision {
	d := Decision{Proposed: Incomplete, Rule: "", RulesSource: r.Source, Deviations: r.deviations(in)}
	decided := false
	for _, rule := range r.Rules {
		if decided && rule.When.onlyOtherwise() {
			continue // a catch-all explains nothing once a rule decided
		}
		en, sv, ok := r.holds(rule.When, in, d.Deviations)
		if !ok {
			continue
		}
		if rule.Reason != "" {
			en, sv = rule.Reason+": "+en, rule.Reason+": "+sv
		}
		d.Reasons = append(d.Reasons, Reason{Rule: rule.ID, Outcome: rule.Outcome, Text: en, TextSV: sv})
		if !decided {
			d.Proposed, d.Rule, decided = rule.Outcome, rule.ID, true
		}
	}
	if !decided {
		d.Reasons = append(d.Reasons, Reason{Rule: "", Outcome: Incomplete, Text: "no decision rule applies", TextSV: "ingen beslutsregel är tillämplig"})
	}
	d.ProposedLabelSV = d.Proposed.LabelSV()
	d.Outcome = d.Proposed
	if override != nil {
		o := *override
		o.LabelSV = o.Outcome.LabelSV()
		d.Override = &o
		d.Outcome = o.Outcome
	}
	d.LabelSV, d.LabelEN = d.Outcome.LabelSV(), d.Outcome.LabelEN()
	return d
}

func inClasses(cs []risk.Class, c risk.Class) bool { return slices.Contains(cs, c) }

// holds evaluates a condition and says why in English and Swedish.
func (r Rules) holds(c Condition, in Input, devs []Deviation) (en, sv string, ok bool) {
	var ens, svs []string
	if c.Aborted {
		if in.Aborted == "" {
			return "", "", false
		}
		ens, svs = append(ens, "the run was aborted: "+in.Aborted), append(svs, "körningen avbröts: "+in.Aborted)
	}
	if len(c.Failed) > 0 {
		var fs []Finding
		for _, f := range in.Findings {
			if inClasses(c.Failed, f.Rating.Class) {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			return "", "", false
		}
		names := classNames(c.Failed)
		list, listSV := listFindings(fs, false), listFindings(fs, true)
		if onlyMediumLow(c.Failed) {
			ens = append(ens, fmt.Sprintf("%d failure(s) on %s-risk requirements, %d deviation(s); each must be fixed by its deadline and retested: %s", len(fs), names.en, countDeviations(devs, c.Failed), list))
			svs = append(svs, fmt.Sprintf("%d fel på krav med %s risk, %d avvikelse(r); var och en ska åtgärdas före sitt datum och testas om: %s", len(fs), names.sv, countDeviations(devs, c.Failed), listSV))
		} else {
			ens = append(ens, fmt.Sprintf("%d failure(s) on %s-risk requirements: %s", len(fs), names.en, list))
			svs = append(svs, fmt.Sprintf("%d fel på krav med %s risk: %s", len(fs), names.sv, listSV))
		}
	}
	openOf := func(kind string, classes []risk.Class) []Open {
		var out []Open
		for _, o := range in.Open {
			if o.Kind == kind && (classes == nil || inClasses(classes, o.Rating.Class)) {
				out = append(out, o)
			}
		}
		return out
	}
	if c.PendingManual {
		os := openOf(OpenManual, nil)
		if len(os) == 0 {
			return "", "", false
		}
		ens = append(ens, fmt.Sprintf("%d manual verdict(s) pending: %s", len(os), listOpen(os)))
		svs = append(svs, fmt.Sprintf("%d manuell(a) bedömning(ar) väntar: %s", len(os), listOpen(os)))
	}
	if c.PendingReview {
		os := openOf(OpenReview, nil)
		if len(os) == 0 {
			return "", "", false
		}
		ens = append(ens, fmt.Sprintf("%d document review(s) without a verdict: %s", len(os), listOpen(os)))
		svs = append(svs, fmt.Sprintf("%d dokumentgranskning(ar) utan bedömning: %s", len(os), listOpen(os)))
	}
	if len(c.Skipped) > 0 {
		os := openOf(OpenSkipped, c.Skipped)
		if len(os) == 0 {
			return "", "", false
		}
		names := classNames(c.Skipped)
		ens = append(ens, fmt.Sprintf("%d %s-risk check(s) could not be verified: %s", len(os), names.en, listOpen(os)))
		svs = append(svs, fmt.Sprintf("%d kontroll(er) med %s risk kunde inte verifieras: %s", len(os), names.sv, listOpen(os)))
	}
	if len(c.NotRun) > 0 {
		os := openOf(OpenNotRun, c.NotRun)
		if len(os) == 0 {
			return "", "", false
		}
		names := classNames(c.NotRun)
		ens = append(ens, fmt.Sprintf("%d selected %s-risk scenario(s) did not run: %s", len(os), names.en, listOpen(os)))
		svs = append(svs, fmt.Sprintf("%d utvalda scenarier med %s risk kördes inte: %s", len(os), names.sv, listOpen(os)))
	}
	if c.DeclarationMissing {
		if in.Declared {
			return "", "", false
		}
		ens = append(ens, "the supplier's declaration (Beställarens deklaration) is not recorded")
		svs = append(svs, "Beställarens deklaration är inte registrerad")
	}
	if c.Otherwise && len(ens) == 0 {
		if len(in.Findings) == 0 {
			ens = append(ens, "no failed check, verdict or review; nothing pending; the declaration is recorded")
			svs = append(svs, "inga fel i kontroller, bedömningar eller granskningar; inget väntar; deklarationen är registrerad")
		} else {
			ens = append(ens, "no earlier rule applies")
			svs = append(svs, "ingen tidigare regel är tillämplig")
		}
	}
	return strings.Join(ens, "; "), strings.Join(svs, "; "), true
}

type names struct{ en, sv string }

func classNames(cs []risk.Class) names {
	var en, sv []string
	for _, c := range risk.Classes() {
		if inClasses(cs, c) {
			en = append(en, string(c))
			sv = append(sv, classSV[c])
		}
	}
	return names{strings.Join(en, "/"), strings.Join(sv, "/")}
}

func onlyMediumLow(cs []risk.Class) bool { return !inClasses(cs, risk.High) }

func countDeviations(devs []Deviation, cs []risk.Class) int {
	n := 0
	for _, d := range devs {
		if inClasses(cs, d.Class) {
			n++
		}
	}
	return n
}

var classSV = map[risk.Class]string{risk.High: "hög", risk.Medium: "medel", risk.Low: "låg"}

func listFindings(fs []Finding, sv bool) string {
	var parts []string
	for i, f := range fs {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("+%d", len(fs)-maxListed))
			break
		}
		rt := f.Rating.String()
		if sv {
			rt = fmt.Sprintf("konsekvens %d × sannolikhet %d = %d (%s)", f.Rating.Impact, f.Rating.Likelihood, f.Rating.Score, classSV[f.Rating.Class])
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", f.Requirement, f.Where(), rt))
	}
	return strings.Join(parts, "; ")
}

func listOpen(os []Open) string {
	var parts []string
	for i, o := range os {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("+%d", len(os)-maxListed))
			break
		}
		parts = append(parts, o.ID)
	}
	return strings.Join(parts, ", ")
}

// deviations groups findings by requirement, in first-seen order.
func (r Rules) deviations(in Input) []Deviation {
	owner := in.Owner
	if owner == "" {
		owner = r.Owner
	}
	var out []Deviation
	idx := map[string]int{}
	for _, f := range in.Findings {
		i, ok := idx[f.Requirement]
		if !ok {
			i = len(out)
			idx[f.Requirement] = i
			out = append(out, Deviation{ID: fmt.Sprintf("D%d", i+1), Requirement: f.Requirement, Owner: owner, Severity: SeverityInconsequential, Class: risk.Low})
		}
		d := &out[i]
		d.Findings = append(d.Findings, f.ID)
		if d.Finding != "" {
			d.Finding += "; "
		}
		d.Finding += f.Where() + ": " + f.Message
		if s := SeverityOf(f.Rating.Impact); severityRank(s) > severityRank(d.Severity) {
			d.Severity = s
		}
		if f.Rating.Class.Rank() > d.Class.Rank() {
			d.Class = f.Rating.Class
		}
		if f.Scenario != "" && !slices.Contains(d.RetestScope, f.Scenario) {
			d.RetestScope = append(d.RetestScope, f.Scenario)
		}
		if f.Kind == "review" && !slices.Contains(d.RetestScope, "review "+f.Step) {
			d.RetestScope = append(d.RetestScope, "review "+f.Step)
		}
	}
	for i := range out {
		d := &out[i]
		for _, s := range in.Retest[d.Requirement] {
			if !slices.Contains(d.RetestScope, s) {
				d.RetestScope = append(d.RetestScope, s)
			}
		}
		days := r.Deadlines[d.Severity]
		if days == 0 {
			days = DefaultDeadlines()[d.Severity]
		}
		if !in.Base.IsZero() {
			d.FixDeadline = in.Base.UTC().AddDate(0, 0, days).Format(time.DateOnly)
		}
		if d.RetestScope == nil {
			d.RetestScope = []string{}
		}
	}
	if out == nil {
		out = []Deviation{}
	}
	return out
}
