// Package scenario is the conformance suite model: a suite directory with
// suite.yaml (contracts, the consumer's HSA-id, requirement catalogue,
// defaults) and one YAML file per scenario (ordered steps saying what the
// consumer must send and how rivgate answers). Files are read from an fs.FS so
// suites can live on disk or be embedded in the binary.
//
// Loading is strict: unknown fields are errors, and every error names the
// file, line and field (LoadError).
package scenario

import (
	"io/fs"

	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Suite is one suite directory.
type Suite struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Contracts is the contract directory, relative to the suite directory
	// or absolute (every file name in a suite may be either; see SuitePath).
	Contracts string `yaml:"contracts" json:"contracts"`
	// Consumer describes the system under test.
	Consumer Consumer `yaml:"consumer" json:"consumer"`
	// Instance is the platform instance name put in VP faultstrings
	// ("VP007 [instance] ..."). Default "rivgate".
	Instance string `yaml:"instance,omitempty" json:"instance,omitempty"`
	// Namespaces are XPath prefixes for matchers and volatile fields, in
	// addition to the built-in soap, wsa and itr.
	Namespaces map[string]string `yaml:"namespaces,omitempty" json:"namespaces,omitempty"`
	Defaults   Defaults          `yaml:"defaults,omitempty" json:"defaults"`
	// Receivers are the logical addresses the platform routes for this
	// suite; a request to any other gets VP004 (see PlatformFaults).
	// Empty: Defaults.Receiver and every receiver a step expects
	// (KnownReceivers).
	Receivers []string `yaml:"receivers,omitempty" json:"receivers,omitempty"`
	// PlatformFaults: the harness answers a request the real platform
	// would refuse for its receiver (missing: VP003; surrounding
	// whitespace or not among the receivers: VP004) with that fault
	// instead of the step's answer, as well as recording the finding.
	// Default true; false answers every request as its step says.
	PlatformFaults *bool `yaml:"platform_faults,omitempty" json:"platform_faults,omitempty"`
	// Volatile lists XPaths whose values differ between runs (ids, times);
	// producer mode ignores them when diffing against recorded responses.
	Volatile []string `yaml:"volatile,omitempty" json:"volatile,omitempty"`
	// Checks selects and orders the built-in request checks and may override
	// their impact. Empty = all built-in checks in the standard order.
	Checks []CheckRef `yaml:"checks,omitempty" json:"checks,omitempty"`
	// StrictXSD reads the contracts' XSD pattern facets literally, as XML
	// Schema defines them; by default a pattern written ^...$ is read as
	// anchored (contracts.LoadOptions.StrictXSD).
	StrictXSD    bool          `yaml:"strict_xsd,omitempty" json:"strict_xsd,omitempty"`
	Requirements []Requirement `yaml:"requirements" json:"requirements"`
	// ScenarioFiles are the scenario file paths, relative to the suite
	// directory, in the order they run.
	ScenarioFiles []string `yaml:"scenarios" json:"scenario_files"`

	// Filled by Load.
	Scenarios []*Scenario `yaml:"-" json:"-"`
	// FS and Dir locate the suite: files named in the suite are opened with
	// fs.ReadFile(FS, path.Join(Dir, name)).
	FS  fs.FS  `yaml:"-" json:"-"`
	Dir string `yaml:"-" json:"-"`
	// OSDir is the suite directory on disk when it was loaded with LoadDir
	// ("" for other file systems).
	OSDir string `yaml:"-" json:"-"`
	// OSRoot is the directory on disk FS is rooted at ("/" for LoadDir,
	// "" for other file systems): absolute file names in the suite are
	// resolved under it.
	OSRoot string `yaml:"-" json:"-"`
	// Absolute: some file name in the suite is absolute (an evidence
	// bundle then keeps the suite's files at their full paths).
	Absolute bool `yaml:"-" json:"-"`
}

// Consumer is the system under test.
type Consumer struct {
	// HSAID is the HSA-id the consumer's client certificate must carry in its
	// subject SERIALNUMBER.
	HSAID string `yaml:"hsa_id" json:"hsa_id"`
	// RequireOriginalConsumer: every request must carry
	// x-rivta-original-serviceconsumer-hsaid (consumers acting for another
	// system, such as aggregators and portals).
	RequireOriginalConsumer bool `yaml:"require_original_consumer,omitempty" json:"require_original_consumer,omitempty"`
}

// Defaults apply to every scenario and step unless overridden.
type Defaults struct {
	// Receiver is the expected logical address when a step names none.
	Receiver string `yaml:"receiver,omitempty" json:"receiver,omitempty"`
	// Wait is how long the harness waits for an expected request. Default 60s.
	Wait yamlstrict.Duration `yaml:"wait,omitempty" json:"wait,omitempty"`
	// StartTimeout is how long the harness waits for the consumer's first
	// request of a run (instead of that step's wait): a consumer whose
	// environment starts slowly gets longer. When nothing has even
	// connected by then, the run is aborted: the consumer or its
	// environment is unreachable. Default: the step's wait.
	StartTimeout yamlstrict.Duration `yaml:"start_timeout,omitempty" json:"start_timeout,omitempty"`
	// ConsumerTimeout is the longest a consumer may wait for an answer before
	// giving up; a step with `respond: {timeout: true}` checks it. Default 30s.
	ConsumerTimeout yamlstrict.Duration `yaml:"consumer_timeout,omitempty" json:"consumer_timeout,omitempty"`
	// Retry bounds how a consumer may repeat a request after a fault.
	Retry Retry `yaml:"retry,omitempty" json:"retry"`
	// Settle is how long the consumer must have been quiet (no request
	// arriving) after a scenario's last step before the next scenario
	// starts: requests until then belong to the scenario they arrived in.
	// Default 1s.
	Settle yamlstrict.Duration `yaml:"settle,omitempty" json:"settle,omitempty"`
}

// Retry is the retry-storm rule checked after every fault step.
type Retry struct {
	// MaxRepeats is how many repeats of the faulted request are allowed.
	// Default 1.
	MaxRepeats *int `yaml:"max_repeats,omitempty" json:"max_repeats,omitempty"`
	// MinSpacing is the least time between two attempts. Default 1s.
	MinSpacing yamlstrict.Duration `yaml:"min_spacing,omitempty" json:"min_spacing,omitempty"`
	// Observe is how long after a fault the harness counts repeats before it
	// moves on. Default 2s.
	Observe yamlstrict.Duration `yaml:"observe,omitempty" json:"observe,omitempty"`
}

// CheckRef selects one built-in check.
type CheckRef struct {
	ID string `yaml:"id" json:"id"`
	// Impact overrides the requirement's default impact (1-4).
	Impact int `yaml:"impact,omitempty" json:"impact,omitempty"`
	// Skip turns the check off (reported as skip, with the reason "suite").
	Skip bool `yaml:"skip,omitempty" json:"skip,omitempty"`
}

// Requirement is one entry of the requirement catalogue.
type Requirement struct {
	ID   string `yaml:"id" json:"id"`
	Text string `yaml:"text" json:"text"`
	// Impact 1 (low) to 4 (critical): what a failure costs.
	Impact int `yaml:"impact" json:"impact"`
	// Source is "builtin" for rivgate's own checks, "suite" otherwise.
	Source string `yaml:"-" json:"source"`
}

// Scenario is an ordered list of steps.
type Scenario struct {
	ID           string   `yaml:"id" json:"id"`
	Title        string   `yaml:"title" json:"title"`
	Description  string   `yaml:"description,omitempty" json:"description,omitempty"`
	Requirements []string `yaml:"requirements" json:"requirements"`
	// Likelihood 1 (rare) to 4 (almost certain) that the scenario's
	// situation happens in production.
	Likelihood int `yaml:"likelihood" json:"likelihood"`
	// Tags place the scenario in the risk-based selection (TagSmoke,
	// TagCore, TagRegression); "tags: []" puts it in no subset (it runs
	// only when its function runs in full). Absent (nil): the risk plan
	// derives them from the steps and the risk. A risk profile's tags win
	// over both.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Functions are the consumer functions the scenario exercises: ids a
	// risk profile's functions use ("visits", "error-handling"). Empty:
	// the plan places the scenario by the requirements it covers.
	Functions []string `yaml:"functions,omitempty" json:"functions,omitempty"`
	Trigger   *Trigger `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	Steps     []*Step  `yaml:"steps" json:"steps"`

	// File is the scenario file, relative to the suite directory.
	File string `yaml:"-" json:"file"`
}

// Trigger makes the consumer send its request: a command or an HTTP call.
type Trigger struct {
	// Command is argv; run in the suite directory unless Dir is set.
	Command []string `yaml:"command,omitempty" json:"command,omitempty"`
	Dir     string   `yaml:"dir,omitempty" json:"dir,omitempty"`
	// HTTP calls the consumer's own API (its UI backend, a test hook).
	HTTP *HTTPTrigger `yaml:"http,omitempty" json:"http,omitempty"`
	// Timeout bounds the command or call. Default 60s.
	Timeout yamlstrict.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// HTTPTrigger is an HTTP call that makes the consumer act.
type HTTPTrigger struct {
	Method  string            `yaml:"method,omitempty" json:"method,omitempty"`
	URL     string            `yaml:"url" json:"url"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty" json:"body,omitempty"`
}

// Step is one expected request and its answer, or a manual check.
type Step struct {
	ID           string   `yaml:"id,omitempty" json:"id"`
	Title        string   `yaml:"title,omitempty" json:"title,omitempty"`
	Requirements []string `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Trigger      *Trigger `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	// Wait overrides Defaults.Wait.
	Wait   yamlstrict.Duration `yaml:"wait,omitempty" json:"wait,omitempty"`
	Expect *Expect             `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Request is a recorded request envelope (producer mode sends it).
	Request string `yaml:"request,omitempty" json:"request,omitempty"`
	// RequestHeaders are HTTP headers producer mode sends with Request.
	RequestHeaders map[string]string `yaml:"request_headers,omitempty" json:"request_headers,omitempty"`
	Respond        *Respond          `yaml:"respond,omitempty" json:"respond,omitempty"`
	// ResponseMatch are matchers on the producer's response (producer mode).
	ResponseMatch []Matcher `yaml:"response_match,omitempty" json:"response_match,omitempty"`
	// ResponseChecks are further checks on the producer's answer
	// (producer mode): fault or not, time, status codes, text, Schematron.
	ResponseChecks *ResponseChecks `yaml:"response_checks,omitempty" json:"response_checks,omitempty"`
	// Volatile adds XPaths ignored in the producer-mode diff for this step.
	Volatile []string `yaml:"volatile,omitempty" json:"volatile,omitempty"`
	// Manual asks a person for a verdict ("Check that the consumer shows the
	// error to the user"); the step stays manual-pending until judged.
	Manual string `yaml:"manual,omitempty" json:"manual,omitempty"`

	// Line is where the step starts in its file.
	Line int `yaml:"-" json:"line,omitempty"`
}

// ResponseChecks are checks on a producer's answer beyond its schema and
// response_match, in the kinds SoapUI suites assert (docs/conformance-suites.md
// "Response checks"). Each reports against Requirement (default: the
// step's first requirement, else the scenario's).
type ResponseChecks struct {
	// Fault: true, the answer must be a SOAP fault; false, it must not be.
	// Unset: a soap_fault respond says a fault is expected (as before).
	Fault *bool `yaml:"fault,omitempty" json:"fault,omitempty"`
	// MaxTime is the longest the answer may take (SoapUI Response SLA).
	MaxTime yamlstrict.Duration `yaml:"max_time,omitempty" json:"max_time,omitempty"`
	// StatusCodes: the HTTP status must be one of these.
	StatusCodes []int `yaml:"status_codes,omitempty" json:"status_codes,omitempty"`
	// NotStatusCodes: the HTTP status must be none of these.
	NotStatusCodes []int `yaml:"not_status_codes,omitempty" json:"not_status_codes,omitempty"`
	// Contains and NotContains are texts (or regular expressions) the
	// answer body must and must not contain.
	Contains    []TextRule `yaml:"contains,omitempty" json:"contains,omitempty"`
	NotContains []TextRule `yaml:"not_contains,omitempty" json:"not_contains,omitempty"`
	// Schematron files (relative to the suite) evaluated on the answer.
	Schematron []string `yaml:"schematron,omitempty" json:"schematron,omitempty"`
	// Compare false turns off the diff against respond.file (answers whose
	// data differ by design, such as a producer's own test data).
	Compare     *bool  `yaml:"compare,omitempty" json:"compare,omitempty"`
	Requirement string `yaml:"requirement,omitempty" json:"requirement,omitempty"`
}

// TextRule is a text the answer body must (or must not) contain.
type TextRule struct {
	Text       string `yaml:"text" json:"text"`
	Regex      bool   `yaml:"regex,omitempty" json:"regex,omitempty"`
	IgnoreCase bool   `yaml:"ignore_case,omitempty" json:"ignore_case,omitempty"`
}

// Compares reports whether producer mode diffs the answer against the
// recorded respond.file (default yes).
func (r *ResponseChecks) Compares() bool { return r == nil || r.Compare == nil || *r.Compare }

// Expect describes the request the consumer must send.
type Expect struct {
	// Contract is the contract namespace (first Body child's namespace).
	Contract string `yaml:"contract,omitempty" json:"contract,omitempty"`
	// Operation is the WSDL operation name, resolved through the contracts.
	Operation string `yaml:"operation,omitempty" json:"operation,omitempty"`
	// Receiver is the expected logical address; default Defaults.Receiver.
	Receiver string    `yaml:"receiver,omitempty" json:"receiver,omitempty"`
	Match    []Matcher `yaml:"match,omitempty" json:"match,omitempty"`
}

// Matcher is one rule on the request (consumer mode) or the response
// (producer mode). Exactly one selector (XPath or HTTPHeader) and exactly one
// condition (Equals, Regex, Present or Absent).
type Matcher struct {
	// XPath 1.0, evaluated on the SOAP envelope. Prefixes: soap, wsa, itr and
	// the suite's namespaces. The value compared is the XPath string value.
	XPath string `yaml:"xpath,omitempty" json:"xpath,omitempty"`
	// In sets the context node: "envelope" (default), "header" (soap:Header)
	// or "body" (the first child of soap:Body).
	In string `yaml:"in,omitempty" json:"in,omitempty"`
	// HTTPHeader selects an HTTP request header by name.
	HTTPHeader string `yaml:"http_header,omitempty" json:"http_header,omitempty"`

	Equals  *string `yaml:"equals,omitempty" json:"equals,omitempty"`
	Regex   string  `yaml:"regex,omitempty" json:"regex,omitempty"`
	Present bool    `yaml:"present,omitempty" json:"present,omitempty"`
	Absent  bool    `yaml:"absent,omitempty" json:"absent,omitempty"`

	// Requirement ties the matcher to a requirement; default: the step's
	// first requirement, else the scenario's.
	Requirement string `yaml:"requirement,omitempty" json:"requirement,omitempty"`
	// Description says in words what the rule checks.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Scenario tags: the sets the risk-based selection draws from.
const (
	TagSmoke      = "smoke"      // the least run that still exercises a function (low risk)
	TagCore       = "core"       // the function's important paths (medium risk)
	TagRegression = "regression" // what an unchanged function reruns in a re-certification
)

// Tags lists the known scenario tags.
func Tags() []string { return []string{TagSmoke, TagCore, TagRegression} }

// Connection faults a step can inject.
const (
	ConnReset            = "reset"              // TCP RST, no response
	ConnEmptyReply       = "empty_reply"        // close without a byte
	ConnMalformedXML     = "malformed_xml"      // 200 with broken XML
	ConnTruncated        = "truncated"          // Content-Length larger than the bytes sent
	ConnWrongContentType = "wrong_content_type" // valid body sent as text/html
)

// ConnectionFaults lists every connection fault, in documentation order.
func ConnectionFaults() []string {
	return []string{ConnReset, ConnEmptyReply, ConnMalformedXML, ConnTruncated, ConnWrongContentType}
}

// Respond is how the harness answers the step's request. Exactly one of
// File, Template, SOAPFault, VPFault, Timeout or Connection says what is
// sent (Connection may take File or Template as the body to break); Delay
// comes first.
type Respond struct {
	// File is a recorded response envelope, relative to the suite directory.
	File string `yaml:"file,omitempty" json:"file,omitempty"`
	// Template is a response envelope, relative to the suite directory,
	// whose {{XPath}} placeholders are filled from the request (Template).
	Template string `yaml:"template,omitempty" json:"template,omitempty"`
	// Status is the HTTP status; default 200 for File, 500 for faults.
	Status      int               `yaml:"status,omitempty" json:"status,omitempty"`
	ContentType string            `yaml:"content_type,omitempty" json:"content_type,omitempty"`
	Headers     map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	SOAPFault   *SOAPFault        `yaml:"soap_fault,omitempty" json:"soap_fault,omitempty"`
	// VPFault is a platform fault code, VP002-VP015, sent with VP's texts.
	VPFault string `yaml:"vp_fault,omitempty" json:"vp_fault,omitempty"`
	// Detail fills the VP fault's detail template (e.g. the receiver).
	Detail string `yaml:"detail,omitempty" json:"detail,omitempty"`
	// Delay before anything is sent.
	Delay yamlstrict.Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
	// Timeout: never answer; the consumer must give up by itself.
	Timeout bool `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Connection is one of ConnectionFaults.
	Connection string `yaml:"connection,omitempty" json:"connection,omitempty"`
	// Invalid says File is deliberately invalid against the contract (the
	// step tests how the consumer copes): the harness then does not
	// validate it when the suite loads.
	Invalid bool `yaml:"invalid,omitempty" json:"invalid,omitempty"`
}

// SOAPFault is a producer's own SOAP 1.1 fault.
type SOAPFault struct {
	Code   string `yaml:"code" json:"code"`     // e.g. soap:Server
	String string `yaml:"string" json:"string"` // faultstring
	Detail string `yaml:"detail,omitempty" json:"detail,omitempty"`
}
