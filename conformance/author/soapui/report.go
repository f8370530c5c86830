package soapui

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rivgate/rivgate/contracts/schematron"
)

// ReportFormat names import.json's format.
const ReportFormat = "rivgate-soapui-import/1"

// ReportFile is the name of the import report in the output directory.
const ReportFile = "import.json"

// Fates of an assertion.
const (
	Translated    = "translated"
	NotTranslated = "not_translated"
	NotApplicable = "not_applicable"
)

// Report is import.json: what became of every test case and assertion.
type Report struct {
	Format   string          `json:"format"`
	Source   string          `json:"source"`
	Projects []ProjectReport `json:"projects"`
}

// ProjectReport accounts for one SoapUI project.
type ProjectReport struct {
	File string `json:"file"`
	Name string `json:"name"`
	// Kind is "test" (a producer-mode suite) or "mock" (a suite that
	// serves consumers).
	Kind string `json:"kind"`
	// Suite is the suite directory written, relative to the output.
	Suite      string             `json:"suite"`
	Data       string             `json:"data,omitempty"`
	TestCases  []CaseReport       `json:"test_cases"`
	Assertions []AssertionReport  `json:"assertions"`
	Steps      []StepReport       `json:"steps,omitempty"`
	Mock       *MockReport        `json:"mock,omitempty"`
	Schematron []SchematronReport `json:"schematron,omitempty"`
	Warnings   []string           `json:"warnings,omitempty"`
	Counts     Counts             `json:"counts"`
}

// CaseReport is one SoapUI test case and the scenario it became.
type CaseReport struct {
	TestSuite string `json:"test_suite"`
	Name      string `json:"name"`
	Scenario  string `json:"scenario"`
	File      string `json:"file"`
	// DataCase is the data.xml test case its "Read data" step loads.
	DataCase string `json:"data_case,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
	// Manual lists the manual steps added for what was not translated.
	Manual []string `json:"manual,omitempty"`
}

// AssertionReport is one SoapUI assertion and its fate.
type AssertionReport struct {
	TestSuite string `json:"test_suite"`
	TestCase  string `json:"test_case"`
	// Step is the request step the assertion judges; Holder the
	// assertion step holding it, when it is kept apart.
	Step   string `json:"step"`
	Holder string `json:"holder,omitempty"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Fate   string `json:"fate"`
	// Checks are the rivgate check ids it became (scenario/step/check).
	Checks []string `json:"checks,omitempty"`
	Note   string   `json:"note,omitempty"`
	Reason string   `json:"reason,omitempty"`
	Script string   `json:"script,omitempty"`
}

// StepReport is a test step that is neither a request nor a data load.
type StepReport struct {
	TestSuite string `json:"test_suite"`
	TestCase  string `json:"test_case"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Fate      string `json:"fate"`
	Reason    string `json:"reason,omitempty"`
	Script    string `json:"script,omitempty"`
}

// MockReport says how a Mock project's dispatch was translated.
type MockReport struct {
	Operation string `json:"operation"`
	Dispatch  string `json:"dispatch"`
	// Translated: the dispatch script is one of the common forms.
	Translated bool                 `json:"translated"`
	Note       string               `json:"note"`
	Responses  []MockResponseReport `json:"responses"`
}

// MockResponseReport is a mock response and the step serving it.
type MockResponseReport struct {
	Name   string `json:"name"`
	Step   string `json:"step"`
	File   string `json:"file"`
	Status int    `json:"status"`
	// FilledFrom is the data.xml test case whose values filled ${...}.
	FilledFrom string `json:"filled_from,omitempty"`
	// FilledByScript are the ${...} values the mock's scripts set that the
	// importer could work out (constants; the request time as of import).
	FilledByScript map[string]string `json:"filled_by_script,omitempty"`
	Unresolved     []string          `json:"unresolved,omitempty"`
}

// SchematronReport is a constraints file copied into the suite.
type SchematronReport struct {
	File     string            `json:"file"`
	Title    string            `json:"title,omitempty"`
	Counts   schematron.Counts `json:"counts"`
	Problems []string          `json:"problems,omitempty"`
}

// Counts sum up a project.
type Counts struct {
	TestCases        int `json:"test_cases"`
	Assertions       int `json:"assertions"`
	Translated       int `json:"translated"`
	NotTranslated    int `json:"not_translated"`
	NotApplicable    int `json:"not_applicable"`
	Groovy           int `json:"groovy"`
	GroovyTranslated int `json:"groovy_translated"`
	ManualSteps      int `json:"manual_steps"`
}

func (p *ProjectReport) count() {
	c := Counts{TestCases: len(p.TestCases), Assertions: len(p.Assertions)}
	for _, a := range p.Assertions {
		groovy := a.Type == "GroovyScriptAssertion"
		if groovy {
			c.Groovy++
		}
		switch a.Fate {
		case Translated:
			c.Translated++
			if groovy {
				c.GroovyTranslated++
			}
		case NotTranslated:
			c.NotTranslated++
		case NotApplicable:
			c.NotApplicable++
		}
	}
	for _, tc := range p.TestCases {
		c.ManualSteps += len(tc.Manual)
	}
	p.Counts = c
}

// Write writes import.json into dir.
func (r *Report) Write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("import report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("import report: %w", err)
	}
	return nil
}

// Summary prints a one-screen summary.
func (r *Report) Summary(w io.Writer) {
	fmt.Fprintf(w, "Imported %s\n", r.Source)
	fmt.Fprintf(w, "%-34s %-5s %5s %6s %6s %6s %6s  %s\n", "project", "kind", "cases", "assert", "transl", "not", "n/a", "schematron assertions (evaluable/not)")
	for _, p := range r.Projects {
		c := p.Counts
		var sch []string
		for _, s := range p.Schematron {
			sch = append(sch, fmt.Sprintf("%s %d/%d", filepath.Base(s.File), s.Counts.Evaluable, s.Counts.NotEvaluable))
		}
		fmt.Fprintf(w, "%-34s %-5s %5d %6d %6d %6d %6d  %s\n", clip(p.Name, 34), p.Kind, c.TestCases, c.Assertions, c.Translated, c.NotTranslated, c.NotApplicable, strings.Join(sch, ", "))
		if c.Groovy > 0 {
			fmt.Fprintf(w, "%-34s Groovy: %d, translated %d; manual steps added: %d\n", "", c.Groovy, c.GroovyTranslated, c.ManualSteps)
		}
		if p.Mock != nil {
			fmt.Fprintf(w, "%-34s mock: %d response(s), dispatch %s (%s)\n", "", len(p.Mock.Responses), p.Mock.Dispatch, yesNo(p.Mock.Translated, "translated", "not translated"))
		}
		for _, wn := range p.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", wn)
		}
	}
	fmt.Fprintf(w, "Details: %s (every test case and assertion, with the checks they became)\n", ReportFile)
}

func yesNo(b bool, y, n string) string {
	if b {
		return y
	}
	return n
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
