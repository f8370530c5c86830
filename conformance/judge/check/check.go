// Package check runs the conformance checks on what a consumer sent: the
// built-in request checks (the contract's rules, package msgcheck, each a
// requirement the suite gives an impact), the step's expectations and
// matchers, and the behaviour checks (retry storms, timeouts, recovery after
// a fault).
//
// Checks are pure functions of a recorded exchange, the suite and the
// contracts, so a verifier can re-evaluate them from the raw exchange files
// alone. The order and selection of request checks is data (suite `checks:`).
package check

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// Env is what checks need besides the request: the suite and its contracts.
type Env struct {
	Suite     *scenario.Suite
	Contracts *contracts.Set
	Validator xsd.Validator
	// ViaPlatform is the HSA-id (client certificate SERIALNUMBER) of a
	// platform or gateway trusted to forward the consumer's calls, when the
	// harness plays the producer behind it. Its calls identify the consumer
	// by x-rivta-original-serviceconsumer-hsaid instead of the certificate.
	ViaPlatform string
}

// Request is one received request as recorded.
type Request struct {
	Message  *msgcheck.Message
	Exchange string // exchange id for findings
	At       time.Time
}

// NewMessage is a received request as the checks read it. tooLarge is set
// when the body was larger than the harness reads (body then holds what was
// read, possibly nothing): RIV-SOAP-01 fails and the checks that need the
// body do not apply.
func NewMessage(header http.Header, body []byte, cert *x509.Certificate, tooLarge *TooLarge) *msgcheck.Message {
	m := &msgcheck.Message{Header: header, Body: body, PeerCert: cert}
	if tooLarge != nil {
		m.Unread = tooLarge
	}
	return m
}

// TooLarge says how a body exceeded the harness's limit.
type TooLarge struct {
	Limit int64 // bytes the harness reads at most
	// Declared is the Content-Length the consumer sent (-1 when it sent
	// none, e.g. chunked).
	Declared int64
}

func (t *TooLarge) Error() string {
	size := "more"
	if t.Declared >= 0 {
		size = fmt.Sprintf("%d bytes", t.Declared)
	}
	return fmt.Sprintf("the request body (%s) is larger than the %d bytes the harness reads; it was not checked", size, t.Limit)
}

// SkippedBySuite is the message of a check the suite turned off (checks:
// skip): n/a, and listed in the report's scope as not tested.
const SkippedBySuite = "skipped by the suite"

// Request runs the suite's request checks, then the step's expectations and
// matchers, on one request. sc and st may be nil for a request no step
// awaited (only the built-in checks run).
func (e *Env) Request(req Request, sc *scenario.Scenario, st *scenario.Step) []result.Check {
	return append(e.RequestChecks(req, sc), e.StepChecks(req, sc, st)...)
}

// RequestChecks runs the suite's built-in request checks (the contract's
// rules, package msgcheck) in the suite's order, and lists the ones it
// skips. sc, whose likelihood the checks carry, may be nil.
func (e *Env) RequestChecks(req Request, sc *scenario.Scenario) []result.Check {
	run, skipped := e.Suite.EnabledChecks()
	checker := msgcheck.Checker{Contracts: e.Contracts, Validator: e.Validator, Consumer: e.Suite.Consumer.HSAID,
		ViaPlatform: e.ViaPlatform, RequireOriginalConsumer: e.Suite.Consumer.RequireOriginalConsumer}
	out := make([]result.Check, 0, len(run)+len(skipped))
	for _, f := range checker.Check(req.Message, run...) {
		c := e.check(req, sc, f.Rule, f.Rule, statusOf(f.Outcome), f.Message)
		for _, l := range f.At {
			c.Where = append(c.Where, result.Location{Element: l.Element, Line: l.Line, Header: l.Header})
		}
		out = append(out, c)
	}
	for _, id := range skipped {
		out = append(out, e.check(req, sc, id, id, result.NotApplicable, SkippedBySuite))
	}
	return out
}

// StepChecks runs the step's expectation and matchers on a request; none
// when st is nil or awaits no request.
func (e *Env) StepChecks(req Request, sc *scenario.Scenario, st *scenario.Step) []result.Check {
	if st == nil || st.Expect == nil {
		return nil
	}
	info, _ := req.Message.Envelope()
	status, msg := e.expectation(info, st.Expect)
	out := []result.Check{e.check(req, sc, scenario.ReqExpectedRequest, scenario.ReqExpectedRequest, status, msg)}
	doc, _ := req.Message.Document()
	msgIn := match.Message{Doc: doc, Header: req.Message.Header}
	ns := e.Suite.XPathNamespaces()
	for i, m := range st.Expect.Match {
		r := match.Eval(m, msgIn, ns)
		s := result.Fail
		if r.OK {
			s = result.Pass
		}
		out = append(out, e.check(req, sc, fmt.Sprintf("match[%d]", i), MatcherRequirement(m, sc, st), s, r.Message))
	}
	if st.Respond != nil && st.Respond.Template != "" {
		status, msg := e.template(st.Respond.Template, doc)
		out = append(out, e.check(req, sc, CheckTemplate, MatcherRequirement(scenario.Matcher{}, sc, st), status, msg))
	}
	return out
}

// CheckTemplate is the check that a step's response template could be
// filled from the request (respond.template): a placeholder that finds
// nothing fails it, and the consumer gets a SOAP fault instead of an
// answer with an empty field.
const CheckTemplate = "template"

// template fills the step's response template from the request, as the
// harness does when it answers, and says whether every placeholder found
// a value.
func (e *Env) template(name string, doc *etree.Document) (result.Status, string) {
	t, err := e.Suite.Template(name)
	if err != nil {
		return result.Fail, fmt.Sprintf("template %s: %v", name, err)
	}
	if _, err := match.Fill(t, doc, e.Suite.XPathNamespaces()); err != nil {
		return result.Fail, strings.ReplaceAll(err.Error(), "\n", "; ") + " (the consumer got a SOAP fault instead of the answer)"
	}
	return result.Pass, fmt.Sprintf("%d placeholder(s) of %s filled from the request", len(t.Placeholders), name)
}

// check is one finding on req, weighed by the suite (impact) and the
// scenario (likelihood).
func (e *Env) check(req Request, sc *scenario.Scenario, id, requirement string, status result.Status, msg string) result.Check {
	c := result.Check{ID: id, Requirement: requirement, Status: status, Message: msg, Exchange: req.Exchange, At: req.At}
	if sc != nil {
		c.Likelihood = sc.Likelihood
	}
	if r, ok := e.Suite.Requirement(requirement); ok {
		c.Impact = r.Impact
	}
	return c
}

func statusOf(o msgcheck.Outcome) result.Status {
	switch o {
	case msgcheck.Pass:
		return result.Pass
	case msgcheck.Fail:
		return result.Fail
	case msgcheck.NotApplicable:
		return result.NotApplicable
	}
	return result.Skip
}

// MatcherRequirement is the requirement a matcher reports against: its own,
// else the step's first, else the scenario's first.
func MatcherRequirement(m scenario.Matcher, sc *scenario.Scenario, st *scenario.Step) string {
	switch {
	case m.Requirement != "":
		return m.Requirement
	case st != nil && len(st.Requirements) > 0:
		return st.Requirements[0]
	case sc != nil && len(sc.Requirements) > 0:
		return sc.Requirements[0]
	}
	return scenario.ReqExpectedRequest
}

// expectation checks contract, operation and receiver against the step.
// info is nil when the request is unread or not an envelope.
func (e *Env) expectation(info *envelope.Info, x *scenario.Expect) (result.Status, string) {
	if info == nil {
		return result.Fail, "the request could not be read as a SOAP envelope, so it is not the expected request"
	}
	var problems []string
	body := info.Body
	if x.Contract != "" && body.Space != x.Contract {
		problems = append(problems, fmt.Sprintf("contract %q, want %q", body.Space, x.Contract))
	}
	if x.Operation != "" {
		var want *contracts.Operation
		if e.Contracts != nil {
			for _, op := range e.Contracts.Operations() {
				if op.Name == x.Operation && (x.Contract == "" || op.Namespace == x.Contract) {
					want = &op
					break
				}
			}
		}
		switch {
		case want == nil:
			problems = append(problems, fmt.Sprintf("operation %q is not in the suite's contracts", x.Operation))
		case want.Request.Space != body.Space || want.Request.Local != body.Local:
			problems = append(problems, fmt.Sprintf("request element {%s}%s, want {%s}%s (operation %s)", body.Space, body.Local, want.Request.Space, want.Request.Local, x.Operation))
		}
	}
	receiver := x.Receiver
	if receiver == "" {
		receiver = e.Suite.Defaults.Receiver
	}
	// Compared trimmed: surrounding whitespace is its own finding
	// (RIV-RECV-02), not a second one here.
	got := strings.TrimSpace(info.Receiver)
	switch known := e.Suite.KnownReceivers(); {
	case receiver != "" && got != receiver:
		problems = append(problems, fmt.Sprintf("receiver %q, want %q", got, receiver))
	case receiver == "" && info.HasReceiver && len(known) > 0 && !slices.Contains(known, got):
		problems = append(problems, fmt.Sprintf("receiver %q is not among the suite's receivers (%s)", got, strings.Join(known, ", ")))
	}
	if len(problems) > 0 {
		return result.Fail, joinProblems(problems)
	}
	return result.Pass, fmt.Sprintf("{%s}%s to %q", info.Body.Space, info.Body.Local, info.Receiver)
}

// Unexpected is the finding on a request no step awaited (RIV-STEP-01):
// when says when it came ("after the scenario's last step").
func (e *Env) Unexpected(req Request, sc *scenario.Scenario, when string) result.Check {
	return e.check(req, sc, scenario.ReqExpectedRequest, scenario.ReqExpectedRequest, result.Fail,
		"unexpected request "+when+": "+Describe(req.Message))
}

// Describe names a request in findings and progress lines: its body
// element and receiver.
func Describe(m *msgcheck.Message) string {
	info, err := m.Head()
	if err != nil {
		return fmt.Sprintf("%d bytes, not a SOAP envelope", len(m.Body))
	}
	return fmt.Sprintf("{%s}%s to %q", info.Body.Space, info.Body.Local, info.Receiver)
}

func joinProblems(ps []string) string {
	out := ps[0]
	for _, p := range ps[1:] {
		out += "; " + p
	}
	return out
}
