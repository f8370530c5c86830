// Package result is results.json: the outcome of a conformance run, scenario
// by scenario, step by step, check by check, each check tied to a
// requirement (with impact), its scenario's likelihood and the exchange it is
// about. Reports and evidence bundles are built from it. It is written
// atomically (temporary file and rename) so a reader never sees half a run.
package result

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

// FileName is the results file in a run's output directory.
const FileName = "results.json"

// Format identifies the file format and version. Version 2 added the
// status NotApplicable (version 1 reported those checks as skip) and the
// run's selection.
const Format = "rivgate-conformance-results/2"

// FormatV1 is the earlier format, still read (and upgraded by Read): its
// skip covered both "could not verify" and "does not apply".
const FormatV1 = "rivgate-conformance-results/1"

// Status of a check, step, scenario or run.
type Status string

// The statuses. Skip and NotApplicable both mean nothing was verified, for
// different reasons: Skip "could not verify" (the check applies, but its
// input was missing: no schema for the contract, no validator; a scenario
// or step that did not run), NotApplicable "does not apply" (nothing to
// check: the header the suite does not require was not sent, there is no
// receiver to check for whitespace, the suite turned the check off). A
// skip of a high-risk requirement blocks approval; n/a does not.
const (
	Pass          Status = "pass"
	Skip          Status = "skip"
	NotApplicable Status = "n/a"
	ManualPending Status = "manual-pending"
	Fail          Status = "fail"
)

// Statuses lists every status, worst first.
func Statuses() []Status { return []Status{Fail, ManualPending, Pass, Skip, NotApplicable} }

func rank(s Status) int {
	switch s {
	case NotApplicable:
		return 0
	case Skip:
		return 1
	case Pass:
		return 2
	case ManualPending:
		return 3
	case Fail:
		return 4
	}
	return 0
}

// Worst returns the status that dominates: fail > manual-pending > pass >
// skip > n/a. Nothing at all is skip (nothing ran).
func Worst(ss ...Status) Status {
	if len(ss) == 0 {
		return Skip
	}
	out := NotApplicable
	for _, s := range ss {
		if rank(s) > rank(out) {
			out = s
		}
	}
	return out
}

// Run is a whole results.json.
type Run struct {
	Format   string    `json:"format"`
	Tool     Tool      `json:"tool"`
	Mode     string    `json:"mode"` // "consumer" or "producer"
	Suite    SuiteRef  `json:"suite"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Target is the producer URL (producer mode) or the listen address.
	Target string `json:"target,omitempty"`
	// ExpectedHSAID is the consumer's expected HSA-id.
	ExpectedHSAID string `json:"expected_hsa_id,omitempty"`
	// ViaPlatform is the HSA-id of the trusted platform (gateway) in front of
	// the harness, when there was one; re-evaluating the checks needs it
	// (check.Env.ViaPlatform).
	ViaPlatform string `json:"via_platform,omitempty"`
	// StrictXSD says the contracts' XSD patterns were read literally
	// (contracts.LoadOptions.StrictXSD); re-evaluating the checks needs it.
	StrictXSD bool `json:"strict_xsd,omitempty"`
	// PatternAnchors are the warnings the contracts gave at load: per
	// contract, the pattern facets written ^...$ and how they were read
	// (contracts.PatternAnchors), so a reader knows without loading them.
	PatternAnchors []PatternAnchors `json:"pattern_anchors,omitempty"`
	// PlatformLog is the gateway's exchange log the run read, behind a
	// platform (--platform-log): the calls the gateway refused never reached
	// the harness and are findings from its lines.
	PlatformLog *PlatformLog `json:"platform_log,omitempty"`
	// Requirements is the catalogue in force (built-ins with overrides, then
	// the suite's), so readers need not load the suite.
	Requirements []scenario.Requirement `json:"requirements"`
	// Selection is what the run set out to run and what it left out, and
	// why (the report's scope comes from it).
	Selection *Selection  `json:"selection,omitempty"`
	Scenarios []*Scenario `json:"scenarios"`
	// Unexpected lists requests that arrived outside every scenario: after
	// the last one (or, in serve mode, meeting no step's expectation).
	// Requests no step expected that arrived during a scenario are on its
	// last step awaiting a request. Behind a platform, calls it refused
	// after the last scenario are here too (PlatformLine, no exchange).
	Unexpected []Check  `json:"unexpected,omitempty"`
	Status     Status   `json:"status"`
	Summary    Summary  `json:"summary"`
	Aborted    string   `json:"aborted,omitempty"` // why the run stopped early
	Notes      []string `json:"notes,omitempty"`
}

// PatternAnchors is one contract's load warning about pattern facets
// written ^...$.
type PatternAnchors struct {
	Contract string `json:"contract"`
	// Strict: read as XSD defines them (^ and $ literal), else as anchors.
	Strict   bool           `json:"strict,omitempty"`
	Patterns []PatternFacet `json:"patterns"`
	// Warning is the warning as printed at load.
	Warning string `json:"warning"`
}

// PatternFacet is one pattern facet written ^...$.
type PatternFacet struct {
	Pattern string `json:"pattern"`
	// Owner is what it restricts: a type name, or "element x" when anonymous.
	Owner string `json:"owner"`
	// File (relative to the contracts directory) and Line of the facet.
	File string `json:"file"`
	Line int    `json:"line"`
}

// PlatformLogFile is the run directory's copy of the platform's log lines
// that became findings, verbatim, one per line in the order read; a check's
// PlatformLine points into it.
const PlatformLogFile = "platform-log.jsonl"

// PlatformLog says which exchange log of the platform the run followed.
type PlatformLog struct {
	// Source is the log file as given to the run.
	Source string `json:"source"`
	// File is PlatformLogFile once a line was used ("" for none).
	File string `json:"file,omitempty"`
	// Lines is how many lines File holds.
	Lines int `json:"lines"`
}

// How a run's scenarios were chosen.
const (
	SelectedAll       = "all"       // every scenario of the suite
	SelectedScenarios = "scenarios" // named ones (--scenario)
	SelectedRiskPlan  = "risk plan" // a risk profile's plan (--risk)
)

// Selection is what a run set out to run, and what it left out and why.
type Selection struct {
	// By is SelectedAll, SelectedScenarios or SelectedRiskPlan.
	By string `json:"by"`
	// Profile is the risk profile's file in the run directory (risk.yaml)
	// with its SHA-256 and kind, for a risk plan.
	Profile       string `json:"profile,omitempty"`
	ProfileSHA256 string `json:"profile_sha256,omitempty"`
	Kind          string `json:"kind,omitempty"`
	// Selected are the scenarios to run, in suite order; NotSelected the
	// rest of the suite. Each with its reasons.
	Selected    []SelectionItem `json:"selected"`
	NotSelected []SelectionItem `json:"not_selected"`
}

// SelectionItem is one scenario in or out of the selection.
type SelectionItem struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Class is the scenario's risk class in the plan ("" without one).
	Class   string   `json:"risk_class,omitempty"`
	Reasons []string `json:"reasons"`
}

// IDs lists the selected scenario ids.
func (s *Selection) IDs() []string {
	var out []string
	for _, it := range s.Selected {
		out = append(out, it.ID)
	}
	return out
}

// The reasons NewSelection records (the report translates them).
const (
	ReasonAll      = "every scenario of the suite runs (no risk profile, no scenario list)"
	ReasonNamed    = "named in the run's scenario list (--scenario)"
	ReasonNotNamed = "not named in the run's scenario list (--scenario)"
)

// NewSelection is the selection of a run without a risk plan: the named
// scenarios (ids, in suite order), or every scenario when ids is empty.
func NewSelection(s *scenario.Suite, ids []string) *Selection {
	sel := &Selection{By: SelectedAll, Selected: []SelectionItem{}, NotSelected: []SelectionItem{}}
	if len(ids) > 0 {
		sel.By = SelectedScenarios
	}
	for _, sc := range s.Scenarios {
		it := SelectionItem{ID: sc.ID, Title: sc.Title}
		switch {
		case len(ids) == 0:
			it.Reasons = []string{ReasonAll}
			sel.Selected = append(sel.Selected, it)
		case slices.Contains(ids, sc.ID):
			it.Reasons = []string{ReasonNamed}
			sel.Selected = append(sel.Selected, it)
		default:
			it.Reasons = []string{ReasonNotNamed}
			sel.NotSelected = append(sel.NotSelected, it)
		}
	}
	return sel
}

// Incomplete is why results.json does not describe a whole run ("" when
// it does): a run writes it with no finished time when it starts and after
// every step and scenario, and with one only at its end, so results without one are
// from a run that was killed, interrupted before it could finish writing,
// or is still going. Reports call such a run aborted; bundles refuse it.
func (r *Run) Incomplete() string {
	if r.Finished.IsZero() {
		return "the run did not finish (results.json has no finished time: it was killed or is still running)"
	}
	return ""
}

// ExchangeIDs lists every exchange the results name: each step's, in
// scenario and step order, then the unexpected calls'.
func (r *Run) ExchangeIDs() []string {
	var ids []string
	for _, sc := range r.Scenarios {
		for _, st := range sc.Steps {
			ids = append(ids, st.Exchanges...)
		}
	}
	for _, c := range r.Unexpected {
		if c.Exchange != "" { // "" for a call the platform refused
			ids = append(ids, c.Exchange)
		}
	}
	return ids
}

// Tool names the program that wrote the results.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// SuiteRef identifies the suite.
type SuiteRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Dir   string `json:"dir"`
}

// Scenario is one scenario's outcome.
type Scenario struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	File         string    `json:"file"`
	Likelihood   int       `json:"likelihood"`
	Requirements []string  `json:"requirements"`
	Status       Status    `json:"status"`
	Message      string    `json:"message,omitempty"`
	Started      time.Time `json:"started,omitzero"`
	Finished     time.Time `json:"finished,omitzero"`
	Steps        []*Step   `json:"steps"`
}

// Step is one step's outcome.
type Step struct {
	Index        int       `json:"index"` // 1-based
	ID           string    `json:"id"`
	Title        string    `json:"title,omitempty"`
	Line         int       `json:"line,omitempty"`
	Requirements []string  `json:"requirements,omitempty"`
	Status       Status    `json:"status"`
	Message      string    `json:"message,omitempty"`
	Started      time.Time `json:"started,omitzero"`
	Finished     time.Time `json:"finished,omitzero"`
	// Answer says how rivgate answered ("file responses/x.xml",
	// "vp_fault VP007", "timeout", "reset", ...).
	Answer string `json:"answer,omitempty"`
	// Exchanges are the step's request ("step"), its repeats ("repeat")
	// and, on a scenario's last step awaiting a request, the requests no
	// step expected that arrived after its answer ("unexpected"), each
	// with a failed RIV-STEP-01 check.
	Exchanges []string `json:"exchanges,omitempty"`
	Checks    []Check  `json:"checks"`
	Manual    *Manual  `json:"manual,omitempty"`
	// TriggerOutput is the trigger command's output (its last 4 KiB)
	// when it failed, or when the run was aborted after it.
	TriggerOutput string `json:"trigger_output,omitempty"`
}

// Check is one check's outcome on one exchange or behaviour.
type Check struct {
	// ID is the check: a built-in requirement id, or "match[N]" for the
	// step's N-th matcher (0-based).
	ID          string `json:"id"`
	Requirement string `json:"requirement"`
	Impact      int    `json:"impact"`
	Likelihood  int    `json:"likelihood,omitempty"`
	Status      Status `json:"status"`
	Message     string `json:"message"`
	// Exchange is the exchange sidecar path, relative to the run directory.
	Exchange string `json:"exchange,omitempty"`
	// PlatformLine is, for a call the platform refused before it reached
	// the harness, its line in PlatformLogFile (1-based; Exchange is then
	// empty).
	PlatformLine int       `json:"platform_log_line,omitempty"`
	At           time.Time `json:"at,omitzero"`
	// Where points at the parts of the exchange's request a failed check
	// is about, when the check knows them.
	Where []Location `json:"where,omitempty"`
}

// Location is a part of an exchange's request a failed check is about: an
// element of the body, a line of the body, or an HTTP header (one or more
// of the fields set).
type Location struct {
	// Element is the element's path from the root by local names, each
	// step with [n] (1-based) when it is not the first sibling of that
	// name: /Envelope/Header/LogicalAddress[2].
	Element string `json:"element,omitempty"`
	// Line is the line of the recorded body (1-based) a problem was
	// reported at (a schema problem, a syntax error).
	Line int `json:"line,omitempty"`
	// Header is an HTTP header's name.
	Header string `json:"header,omitempty"`
}

// Manual is a person's verdict on a manual step.
type Manual struct {
	Instruction string    `json:"instruction"`
	Verdict     string    `json:"verdict,omitempty"` // "pass" or "fail"; empty while pending
	Note        string    `json:"note,omitempty"`
	Judge       string    `json:"judge,omitempty"`
	JudgedAt    time.Time `json:"judged_at,omitzero"`
	// Attachments are files the judge attached (screenshots), copied into
	// the run directory.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file copied into the run directory (a screenshot, say)
// by assess.Attach for a manual verdict, a review or the declaration;
// results.json and assessment.json both list them.
type Attachment struct {
	Name   string `json:"name"` // the original base name
	Path   string `json:"path"` // relative to the run directory
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Summary counts outcomes.
type Summary struct {
	Scenarios     Counts `json:"scenarios"`
	Steps         Counts `json:"steps"`
	Checks        Counts `json:"checks"`
	ExchangeCount int    `json:"exchanges"`
}

// Counts per status.
type Counts struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Skip          int `json:"skip"`
	NotApplicable int `json:"not_applicable"`
	ManualPending int `json:"manual_pending"`
}

// Add counts one status.
func (c *Counts) Add(s Status) {
	switch s {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	case Skip:
		c.Skip++
	case NotApplicable:
		c.NotApplicable++
	case ManualPending:
		c.ManualPending++
	}
}

// Recompute derives step, scenario and run statuses and the summary from
// the checks and manual verdicts. A step with no checks and no manual part is
// skip; a pending manual verdict makes a step manual-pending unless a check
// failed.
func (r *Run) Recompute() {
	r.Summary = Summary{}
	var all []Status
	for _, sc := range r.Scenarios {
		var scs []Status
		for _, st := range sc.Steps {
			var ss []Status
			for _, c := range st.Checks {
				ss = append(ss, c.Status)
				r.Summary.Checks.Add(c.Status)
			}
			if m := st.Manual; m != nil {
				switch m.Verdict {
				case "pass":
					ss = append(ss, Pass)
				case "fail":
					ss = append(ss, Fail)
				default:
					ss = append(ss, ManualPending)
				}
			}
			if st.Status != Skip || len(ss) > 0 {
				st.Status = Worst(ss...)
			}
			r.Summary.Steps.Add(st.Status)
			r.Summary.ExchangeCount += len(st.Exchanges)
			scs = append(scs, st.Status)
		}
		if sc.Status != Skip || len(scs) > 0 {
			sc.Status = Worst(scs...)
		}
		r.Summary.Scenarios.Add(sc.Status)
		all = append(all, sc.Status)
	}
	for _, c := range r.Unexpected {
		all = append(all, c.Status)
		r.Summary.Checks.Add(c.Status)
	}
	r.Status = Worst(all...)
}

// Write writes results.json into dir atomically.
func Write(dir string, r *Run) error {
	r.Format = Format
	r.Recompute()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// Read loads results.json from dir.
func Read(dir string) (*Run, error) {
	p := filepath.Join(dir, FileName)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	switch r.Format {
	case Format:
	case FormatV1:
		r.upgradeV1()
	default:
		return nil, fmt.Errorf("%s: format %q, want %q", p, r.Format, Format)
	}
	return &r, nil
}

// v1NotApplicable are the exact messages with which format 1 reported as
// skip a check that did not apply (the harness wrote nothing else with
// them); format 2 reports these as n/a.
var v1NotApplicable = map[string]bool{
	"no receiver":                            true,
	"no envelope to read the profile from":   true,
	"no envelope to read the contract from":  true,
	"not required by the suite and not sent": true,
	"skipped by the suite":                   true,
}

// upgradeV1 reads a format 1 file as format 2: its n/a checks get their
// status, and the statuses and counts are recomputed.
func (r *Run) upgradeV1() {
	n := 0
	fix := func(cs []Check) {
		for i := range cs {
			if cs[i].Status == Skip && v1NotApplicable[cs[i].Message] {
				cs[i].Status = NotApplicable
				n++
			}
		}
	}
	for _, sc := range r.Scenarios {
		for _, st := range sc.Steps {
			fix(st.Checks)
		}
	}
	fix(r.Unexpected)
	r.Format = Format
	r.Recompute()
	r.Notes = append(r.Notes, fmt.Sprintf("read from %s: %d check(s) it reported as skip are n/a (they did not apply)", FormatV1, n))
}

// Errors of Judge: nothing waits for a verdict, or several steps do and
// none was named.
var (
	ErrNoManualStep   = errors.New("no manual step")
	ErrSeveralPending = errors.New("several manual steps awaiting a verdict")
)

// Judgement is a person's verdict on a manual step, for Judge.
type Judgement struct {
	Scenario string
	Step     string // "": the scenario's only manual step awaiting a verdict
	Verdict  string // pass or fail
	Note     string // what was observed
	By       string // who judged
	At       time.Time
}

// Judge records a person's verdict on a manual step of a scenario: the one
// j names, or without j.Step the scenario's only pending manual step (an
// error if there are several). It returns the judged step.
func (r *Run) Judge(j Judgement) (*Step, error) {
	scenarioID, stepID, verdict := j.Scenario, j.Step, j.Verdict
	if verdict != "pass" && verdict != "fail" {
		return nil, fmt.Errorf("verdict %q: want pass or fail", verdict)
	}
	var sc *Scenario
	for _, s := range r.Scenarios {
		if s.ID == scenarioID {
			sc = s
		}
	}
	if sc == nil {
		return nil, fmt.Errorf("scenario %q not in results", scenarioID)
	}
	var cands []*Step
	for _, st := range sc.Steps {
		if st.Manual == nil {
			continue
		}
		if stepID != "" && st.ID == stepID {
			cands = []*Step{st}
			break
		}
		if stepID == "" && st.Manual.Verdict == "" {
			cands = append(cands, st)
		}
	}
	switch {
	case len(cands) == 0 && stepID != "":
		return nil, fmt.Errorf("scenario %s: %w %q", scenarioID, ErrNoManualStep, stepID)
	case len(cands) == 0:
		return nil, fmt.Errorf("scenario %s: %w awaits a verdict", scenarioID, ErrNoManualStep)
	case len(cands) > 1:
		ids := ""
		for _, c := range cands {
			ids += " " + c.ID
		}
		return nil, fmt.Errorf("scenario %s has %w (%s)", scenarioID, ErrSeveralPending, ids[1:])
	}
	st := cands[0]
	st.Manual.Verdict, st.Manual.Note, st.Manual.Judge, st.Manual.JudgedAt = verdict, j.Note, j.By, j.At
	st.Manual.Attachments = nil // a new verdict brings its own
	r.Recompute()
	return st, nil
}
