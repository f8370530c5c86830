// Package check runs the conformance checks on what a consumer sent: the
// built-in RIV-TA request checks (one file per family, each a requirement
// with an id and default impact), the step's expectations and matchers, and
// the behaviour checks (retry storms, timeouts, recovery after a fault).
//
// Checks are pure functions of a recorded exchange, the suite and the
// contracts, so a verifier can re-evaluate them from the raw exchange files
// alone. The order and selection of request checks is data (suite `checks:`).
package check

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
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
	Header   http.Header
	Body     []byte
	PeerCert *x509.Certificate // nil without a client certificate
	Exchange string            // exchange id for findings
	At       time.Time
	// TooLarge is set when the body was larger than the harness reads
	// (Body then holds what was read, possibly nothing): RIV-SOAP-01 fails
	// and the checks that need the body do not apply.
	TooLarge *TooLarge
}

// TooLarge says how a body exceeded the harness's limit.
type TooLarge struct {
	Limit int64 // bytes the harness reads at most
	// Declared is the Content-Length the consumer sent (-1 when it sent
	// none, e.g. chunked).
	Declared int64
}

func (t *TooLarge) String() string {
	size := "more"
	if t.Declared >= 0 {
		size = fmt.Sprintf("%d bytes", t.Declared)
	}
	return fmt.Sprintf("the request body (%s) is larger than the %d bytes the harness reads; it was not checked", size, t.Limit)
}

// parsed is a request read once for all checks.
type parsed struct {
	req     Request
	info    *envelope.Info // nil when the sniffer refused the message
	infoErr error
	doc     *etree.Document // nil when not well-formed
	docErr  error
	op      *contracts.Operation // the contract's operation for the body element
}

func (e *Env) parse(req Request) *parsed {
	p := &parsed{req: req}
	if req.TooLarge != nil {
		p.infoErr = errors.New(req.TooLarge.String())
		p.docErr = p.infoErr
		return p
	}
	p.info, p.infoErr = Sniff(req.Body)
	if p.info == nil {
		// Only what the sniffer accepts goes to a full parser: it refuses
		// DTDs, deep nesting and oversized heads within its bounds, so no
		// parser here ever sees an entity to expand or fetch.
		p.docErr = errors.New("not parsed: " + p.infoErr.Error())
		return p
	}
	p.doc, p.docErr = match.Parse(req.Body)
	if p.info != nil && e.Contracts != nil {
		for _, op := range e.Contracts.OperationsFor(p.info.Body.Space) {
			if op.Request.Local == p.info.Body.Local {
				p.op = &op
				break
			}
		}
		if p.op == nil {
			if op, ok := e.Contracts.ByNamespace(p.info.Body.Space); ok {
				p.op = &op
			}
		}
	}
	return p
}

// MaxHead is the most of a request the envelope sniffer reads before the
// first Body element must have started: the platform's (and rivgate's
// gateway's) default, so a head the platform refuses is a finding here.
const MaxHead = envelope.DefaultMaxHead

// Sniff reads a request's envelope head, bounded by MaxHead whatever the
// body's size (a 20 MB header is refused after 1 MiB, not scanned).
func Sniff(body []byte) (*envelope.Info, error) {
	info, _, err := envelope.Sniff(bytes.NewReader(body), envelope.Options{MaxHead: MaxHead})
	return info, err
}

// SkippedBySuite is the message of a check the suite turned off (checks:
// skip): n/a, and listed in the report's scope as not tested.
const SkippedBySuite = "skipped by the suite"

// requestCheck is one built-in check.
type requestCheck func(e *Env, p *parsed) (result.Status, string)

func (e *Env) builtin(id string) requestCheck {
	switch id {
	case scenario.ReqSOAPEnvelope:
		return checkEnvelope
	case scenario.ReqContentType:
		return checkContentType
	case scenario.ReqProfile:
		return checkProfile
	case scenario.ReqReceiverPresent:
		return checkReceiverPresent
	case scenario.ReqReceiverSpace:
		return checkReceiverSpace
	case scenario.ReqReceiverHSAID:
		return checkReceiverHSAID
	case scenario.ReqSchema:
		return checkSchema
	case scenario.ReqHeaderElements:
		return checkHeaderElements
	case scenario.ReqSOAPAction:
		return checkSOAPAction
	case scenario.ReqOriginalConsumer:
		return checkOriginalConsumer
	case scenario.ReqClientCert:
		return checkClientCert
	}
	return nil
}

// Request runs the suite's request checks, then the step's expectations and
// matchers, on one request. sc and st may be nil for a request no step
// awaited (only the built-in checks run).
func (e *Env) Request(req Request, sc *scenario.Scenario, st *scenario.Step) []result.Check {
	p := e.parse(req)
	likelihood := 0
	if sc != nil {
		likelihood = sc.Likelihood
	}
	var out []result.Check
	add := func(id, req string, status result.Status, msg string) {
		c := result.Check{ID: id, Requirement: req, Status: status, Message: msg, Exchange: p.req.Exchange, At: p.req.At, Likelihood: likelihood}
		if r, ok := e.Suite.Requirement(req); ok {
			c.Impact = r.Impact
		}
		out = append(out, c)
	}
	run, skipped := e.Suite.EnabledChecks()
	for _, id := range run {
		status, msg := e.builtin(id)(e, p)
		add(id, id, status, msg)
	}
	for _, id := range skipped {
		add(id, id, result.NotApplicable, SkippedBySuite)
	}
	if st == nil || st.Expect == nil {
		return out
	}
	status, msg := e.expectation(p, st.Expect)
	add(scenario.ReqExpectedRequest, scenario.ReqExpectedRequest, status, msg)
	msgIn := match.Message{Doc: p.doc, Header: req.Header}
	ns := e.Suite.XPathNamespaces()
	for i, m := range st.Expect.Match {
		r := match.Eval(m, msgIn, ns)
		s := result.Fail
		if r.OK {
			s = result.Pass
		}
		add(fmt.Sprintf("match[%d]", i), MatcherRequirement(m, sc, st), s, r.Message)
	}
	return out
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
func (e *Env) expectation(p *parsed, x *scenario.Expect) (result.Status, string) {
	if p.info == nil {
		return result.Fail, "the request could not be read as a SOAP envelope, so it is not the expected request"
	}
	var problems []string
	got := p.info.Body
	if x.Contract != "" && got.Space != x.Contract {
		problems = append(problems, fmt.Sprintf("contract %q, want %q", got.Space, x.Contract))
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
		case want.Request.Space != got.Space || want.Request.Local != got.Local:
			problems = append(problems, fmt.Sprintf("request element {%s}%s, want {%s}%s (operation %s)", got.Space, got.Local, want.Request.Space, want.Request.Local, x.Operation))
		}
	}
	receiver := x.Receiver
	if receiver == "" {
		receiver = e.Suite.Defaults.Receiver
	}
	// Compared trimmed: surrounding whitespace is its own finding
	// (RIV-RECV-02), not a second one here.
	if got := strings.TrimSpace(p.info.Receiver); receiver != "" && got != receiver {
		problems = append(problems, fmt.Sprintf("receiver %q, want %q", got, receiver))
	}
	if len(problems) > 0 {
		return result.Fail, joinProblems(problems)
	}
	return result.Pass, fmt.Sprintf("{%s}%s to %q", got.Space, got.Local, p.info.Receiver)
}

func joinProblems(ps []string) string {
	out := ps[0]
	for _, p := range ps[1:] {
		out += "; " + p
	}
	return out
}
