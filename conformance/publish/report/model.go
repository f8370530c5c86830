// Package report builds report.json, the source of truth for a conformance
// run's test completion report (fields after ISO/IEC/IEEE 29119-3: scope,
// environment, what was tested and not, deviations from plan, findings with
// risk, residual risks, decision), from results.json, the suite, the risk
// profile, the assessment record and the decision rules; and renders it,
// from report.json alone, as one self-contained report.html, junit.xml and
// report.pdf, in Swedish by default or English.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

// File names in a run's output directory.
const (
	JSONFile  = "report.json"
	HTMLFile  = "report.html"
	JUnitFile = "junit.xml"
	PDFFile   = "report.pdf"
)

// Format identifies report.json's format and version. Version 2 added the
// status n/a and its counts; version 1 files are still read.
const Format = "rivgate-conformance-report/2"

// FormatV1 is the earlier format, still read (diff, verify of old bundles).
const FormatV1 = "rivgate-conformance-report/1"

// Report is report.json.
type Report struct {
	Format      string            `json:"format"`
	ID          string            `json:"id"`
	Generated   time.Time         `json:"generated"`
	Tool        Tool              `json:"tool"`
	GeneratedBy Tool              `json:"generated_by"`
	Suite       SuiteInfo         `json:"suite"`
	Contracts   ContractsInfo     `json:"contracts"`
	RiskProfile *ProfileInfo      `json:"risk_profile"`
	Environment Environment       `json:"environment"`
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished,omitzero"`
	DurationS   float64           `json:"duration_seconds"`
	Status      result.Status     `json:"status"`
	Aborted     string            `json:"aborted,omitempty"`
	Summary     Summary           `json:"summary"`
	Scope       Scope             `json:"scope"`
	Matrix      Matrix            `json:"risk_matrix"`
	Reqs        []Requirement     `json:"requirements"`
	Scenarios   []Scenario        `json:"scenarios"`
	Unexpected  []Check           `json:"unexpected"`
	Reviews     []ReviewItem      `json:"reviews"`
	Declaration Declaration       `json:"declaration"`
	Appendices  []Appendix        `json:"appendices"`
	Findings    []Finding         `json:"findings"`
	Residual    []ResidualRisk    `json:"residual_risks"`
	Decision    decision.Decision `json:"decision"`
	Notes       []string          `json:"notes"`
}

// Tool names a program and its version.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Commit is the VCS revision the program was built from (ldflags or
	// the toolchain's VCS stamp); "unknown" when it was built without.
	// Only generated_by has it: results.json does not record one.
	Commit string `json:"commit,omitempty"`
}

// SuiteInfo identifies the suite and its content.
type SuiteInfo struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Dir    string `json:"dir"`
	SHA256 string `json:"sha256"` // over the sorted file list (see FileHash)
	Files  int    `json:"files"`
	// ActivitiesFile and RulesFile are the certification files used ("" when
	// the suite has none: built-in rules, no review items).
	ActivitiesFile string `json:"activities_file"`
	RulesSource    string `json:"rules_source"`
}

// ContractsInfo lists the contract files used, each with its hash.
type ContractsInfo struct {
	Dir string `json:"dir"`
	// Name and Version are the contract set's, from its directory's name
	// ("demo_clinic_1.0"); Interactions the WSDLs' interactions with
	// their versions ("GetVisitsInteraction 1.0"). The report shows these,
	// not Dir, which is relative to the suite.
	Name         string     `json:"name,omitempty"`
	Version      string     `json:"version,omitempty"`
	Interactions []string   `json:"interactions,omitempty"`
	SHA256       string     `json:"sha256"`
	Files        []FileHash `json:"files"`
}

// Label is "name version (interaction version, ...)", else the directory.
func (c ContractsInfo) Label() string {
	out := strings.TrimSpace(c.Name + " " + c.Version)
	if out == "" {
		out = c.Dir
	}
	if len(c.Interactions) > 0 {
		out += " (" + strings.Join(c.Interactions, ", ") + ")"
	}
	return out
}

var versioned = regexp.MustCompile(`^(.+?)[_-]v?(\d+(?:\.\d+)*)$`)

// contractIdentity names a contract directory and its WSDL files: the
// RIV-TA layout names directories "<domain>_<version>" and WSDLs
// "<Interaction>_<version>_RIVTABP<nn>.wsdl".
func contractIdentity(dir string, files []FileHash) (name, version string, interactions []string) {
	base := path.Base(filepath.ToSlash(dir))
	name = base
	if m := versioned.FindStringSubmatch(base); m != nil {
		name, version = m[1], m[2]
	}
	for _, f := range files {
		b := path.Base(f.Path)
		if !strings.HasSuffix(b, ".wsdl") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(b, ".wsdl"), "_")
		if len(parts) >= 2 {
			interactions = append(interactions, parts[0]+" "+parts[1])
		} else {
			interactions = append(interactions, parts[0])
		}
	}
	return name, version, interactions
}

// FileHash is one file's SHA-256.
type FileHash struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// ProfileInfo is the risk profile used.
type ProfileInfo struct {
	File      string              `json:"file"`
	SHA256    string              `json:"sha256"`
	Kind      string              `json:"kind"`
	Consumer  string              `json:"consumer,omitempty"`
	Changes   []risk.Change       `json:"changes"`
	Functions []risk.FunctionPlan `json:"functions"`
}

// Environment is where and against what the run happened.
type Environment struct {
	Mode          string `json:"mode"`
	Target        string `json:"target"`
	ExpectedHSAID string `json:"expected_hsa_id"`
	// ConsumerCertificate is the client certificate subject the consumer
	// presented (first recorded exchange), and its SERIALNUMBER.
	ConsumerCertificate  string `json:"consumer_certificate,omitempty"`
	ConsumerSerialNumber string `json:"consumer_serialnumber,omitempty"`
	TLSVersion           string `json:"tls_version,omitempty"`
	// ViaPlatform is the HSA-id of the trusted platform in front of the
	// consumer (results.json via_platform); the TLS peer is then the
	// platform, whose certificate is PlatformCertificate, and the
	// consumer's certificate is not seen.
	ViaPlatform          string `json:"via_platform,omitempty"`
	PlatformCertificate  string `json:"platform_certificate,omitempty"`
	PlatformSerialNumber string `json:"platform_serialnumber,omitempty"`
	// ConsumerHSAID is the consumer's HSA-id as seen: its certificate's
	// SERIALNUMBER, or behind a platform the trusted header
	// x-rivta-original-serviceconsumer-hsaid of the first exchange.
	ConsumerHSAID string `json:"consumer_hsa_id,omitempty"`
	Consumer      string `json:"consumer,omitempty"` // from the risk profile
	// PatternAnchors are the contracts' patterns written ^...$ and how the
	// run read them (results.json pattern_anchors).
	PatternAnchors []result.PatternAnchors `json:"pattern_anchors,omitempty"`
	// PlatformLog is the platform's exchange log the run followed
	// (results.json platform_log).
	PlatformLog *result.PlatformLog `json:"platform_log,omitempty"`
}

// Counts per status. Skip is "could not be verified", NotApplicable "did
// not apply".
type Counts struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Skip          int `json:"skip"`
	NotApplicable int `json:"not_applicable"`
	Pending       int `json:"pending"`
}

// Summary of tests and reviews.
type Summary struct {
	Scenarios   Counts         `json:"scenarios"`
	Steps       Counts         `json:"steps"`
	Checks      Counts         `json:"checks"`
	Manual      Counts         `json:"manual"`
	Reviews     Counts         `json:"reviews"`
	Exchanges   int            `json:"exchanges"`
	Findings    map[string]int `json:"findings"` // per risk class
	Declaration bool           `json:"declaration"`
}

// Scope is what was tested and what not, and why.
type Scope struct {
	// SelectedBy is how the run chose its scenarios ("all", "scenarios",
	// "risk plan"); SelectionProfile the risk profile of its plan with
	// its SHA-256. Empty when the run recorded no selection.
	SelectedBy       string `json:"selected_by,omitempty"`
	SelectionProfile string `json:"selection_profile,omitempty"`
	// PlanProfile is the risk profile given after the run (to 'conform
	// plan --out' or 'conform report --risk') that the deviations are
	// measured against, with its SHA-256; empty when the run's own
	// selection is the plan.
	PlanProfile string      `json:"plan_profile,omitempty"`
	Tested      []ScopeItem `json:"tested"`
	NotTested   []ScopeItem `json:"not_tested"`
	// DeviationsFromPlan: selected but not run, run but not selected, an
	// aborted run.
	DeviationsFromPlan []string `json:"deviations_from_plan"`
	// DeviationsFromPlanSV are the same in Swedish.
	DeviationsFromPlanSV []string `json:"deviations_from_plan_sv,omitempty"`
}

// ScopeItem is a scenario, check or item in or out of scope.
type ScopeItem struct {
	Kind   string     `json:"kind"` // scenario, check, review
	ID     string     `json:"id"`
	Title  string     `json:"title,omitempty"`
	Class  risk.Class `json:"risk_class,omitempty"`
	Reason string     `json:"reason"`
	// ReasonSV is Reason in Swedish; text the run or the risk plan
	// recorded in English stays English, in quotes.
	ReasonSV string `json:"reason_sv,omitempty"`
}

// Matrix is the risk matrix with counts.
type Matrix struct {
	Thresholds risk.Matrix `json:"thresholds"`
	Cells      []Cell      `json:"cells"`
}

// Cell is one impact × likelihood cell.
type Cell struct {
	Impact     int        `json:"impact"`
	Likelihood int        `json:"likelihood"`
	Score      int        `json:"score"`
	Class      risk.Class `json:"class"`
	Quadrant   string     `json:"quadrant"`
	Scenarios  int        `json:"scenarios"`
	Findings   int        `json:"findings"`
	FindingIDs []string   `json:"finding_ids"`
}

// Requirement in force, with its effective impact and appendix.
type Requirement struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Impact   int    `json:"impact"`
	Source   string `json:"source"`
	Appendix string `json:"appendix,omitempty"`
}

// Scenario is one scenario's outcome with its risk.
type Scenario struct {
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	File         string        `json:"file,omitempty"`
	Status       result.Status `json:"status"`
	Message      string        `json:"message,omitempty"`
	Requirements []string      `json:"requirements"`
	Rating       risk.Rating   `json:"rating"`
	Reasons      []string      `json:"selection_reasons"`
	Appendices   []string      `json:"appendices"`
	Started      time.Time     `json:"started,omitzero"`
	Finished     time.Time     `json:"finished,omitzero"`
	Steps        []Step        `json:"steps"`
}

// Step is one step's outcome.
type Step struct {
	Index     int            `json:"index"`
	ID        string         `json:"id"`
	Title     string         `json:"title,omitempty"`
	Status    result.Status  `json:"status"`
	Message   string         `json:"message,omitempty"`
	Answer    string         `json:"answer,omitempty"`
	Exchanges []ExchangeRef  `json:"exchanges"`
	Manual    *result.Manual `json:"manual,omitempty"`
	Checks    []Check        `json:"checks"`
}

// ExchangeRef points at an exchange's files, relative to the run
// directory (and the bundle root).
type ExchangeRef struct {
	ID       string `json:"id"`
	Request  string `json:"request"`
	Response string `json:"response"`
}

// Check is one check with its risk.
type Check struct {
	ID          string        `json:"id"`
	Requirement string        `json:"requirement"`
	Status      result.Status `json:"status"`
	Message     string        `json:"message"`
	Rating      risk.Rating   `json:"rating"`
	Exchange    string        `json:"exchange,omitempty"`
	Finding     string        `json:"finding,omitempty"` // finding id when failed
}

// ReviewItem is a document-review item and its verdict.
type ReviewItem struct {
	Item        string              `json:"item"`
	Appendix    string              `json:"appendix"`
	Title       string              `json:"title"`
	Requirement string              `json:"requirement,omitempty"`
	Show        string              `json:"show"`
	Rating      risk.Rating         `json:"rating"`
	Verdict     string              `json:"verdict"` // pass, fail, pending
	Note        string              `json:"note,omitempty"`
	By          string              `json:"by,omitempty"`
	At          time.Time           `json:"at,omitzero"`
	Attachments []result.Attachment `json:"attachments"`
	Finding     string              `json:"finding,omitempty"`
}

// Declaration is the supplier's declaration item.
type Declaration struct {
	Title       string              `json:"title"`
	Text        string              `json:"text,omitempty"`
	Recorded    bool                `json:"recorded"`
	By          string              `json:"by,omitempty"`
	Org         string              `json:"org,omitempty"`
	Statement   string              `json:"statement,omitempty"`
	At          time.Time           `json:"at,omitzero"`
	Attachments []result.Attachment `json:"attachments"`
}

// Appendix is one certification appendix's section.
type Appendix struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Description  string   `json:"description,omitempty"`
	Requirements []string `json:"requirements"`
	Scenarios    []string `json:"scenarios"`
	Items        []string `json:"items"`
	Findings     []string `json:"findings"`
}

// Finding is a failure with its risk and evidence.
type Finding struct {
	ID              string        `json:"id"`
	Kind            string        `json:"kind"` // check, manual, review, unexpected
	Requirement     string        `json:"requirement"`
	RequirementText string        `json:"requirement_text,omitempty"`
	Scenario        string        `json:"scenario,omitempty"`
	Step            string        `json:"step,omitempty"`
	Check           string        `json:"check,omitempty"`
	Status          result.Status `json:"status"`
	Severity        string        `json:"severity"`
	Impact          int           `json:"impact"`
	Likelihood      int           `json:"likelihood"`
	Score           int           `json:"score"`
	RiskClass       risk.Class    `json:"risk_class"`
	Quadrant        string        `json:"quadrant"`
	Message         string        `json:"message"`
	Exchange        string        `json:"exchange,omitempty"`
	RequestFile     string        `json:"request_file,omitempty"`
	ResponseFile    string        `json:"response_file,omitempty"`
	Appendices      []string      `json:"appendices"`
}

// ResidualRisk is a risk that remains after this run.
type ResidualRisk struct {
	Kind        string     `json:"kind"` // deviation, not-tested, skipped, pending, overridden
	ID          string     `json:"id"`
	Class       risk.Class `json:"risk_class"`
	Description string     `json:"description"`
	// DescriptionSV is Description in Swedish.
	DescriptionSV string `json:"description_sv,omitempty"`
}

// DescriptionIn is the description in lang.
func (rr ResidualRisk) DescriptionIn(lang string) string {
	if lang == LangSV && rr.DescriptionSV != "" {
		return rr.DescriptionSV
	}
	return rr.Description
}

// Write writes report.json into dir atomically.
func Write(dir string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, JSONFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Read loads report.json from dir.
func Read(dir string) (*Report, error) {
	p := filepath.Join(dir, JSONFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return Decode(p, b)
}

// Decode parses report.json bytes; name is used in errors.
func Decode(name string, b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if r.Format != Format && r.Format != FormatV1 {
		return nil, fmt.Errorf("%s: format %q, want %q", name, r.Format, Format)
	}
	return &r, nil
}

// ReasonIn is the item's reason in lang (English when report.json has no
// Swedish one: reports written before it did).
func (it ScopeItem) ReasonIn(lang string) string {
	if lang == LangSV && it.ReasonSV != "" {
		return it.ReasonSV
	}
	return it.Reason
}

// DeviationsIn are the deviations from the plan in lang.
func (s Scope) DeviationsIn(lang string) []string {
	if lang == LangSV && len(s.DeviationsFromPlanSV) == len(s.DeviationsFromPlan) {
		return s.DeviationsFromPlanSV
	}
	return s.DeviationsFromPlan
}
