package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/schematron"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/buildinfo"
)

// Producer-mode check ids (all report against RIV-PROD-01 unless a
// matcher names its own requirement).
const (
	CheckResponseReceived = "response-received"
	CheckResponseStatus   = "response-status"
	CheckResponseSchema   = "response-schema"
	CheckResponseDiff     = "response-diff"
	// Response checks (step response_checks).
	CheckResponseFault          = "response-fault"
	CheckResponseTime           = "response-time"
	CheckResponseStatusCodes    = "response-status-codes"
	CheckResponseNotStatusCodes = "response-not-status-codes"
)

// maxDiffs bounds how many differences one finding lists.
const maxDiffs = 10

// ProducerOptions configure producer mode.
type ProducerOptions struct {
	// URL is the producer's endpoint.
	URL string
	// TLS is the client TLS configuration: client certificate and RootCAs.
	TLS       *tls.Config
	Out       string
	Contracts *contracts.Set
	Validator xsd.Validator
	Progress  io.Writer
	Scenarios []string
	// Selection is recorded in results.json (see Options.Selection).
	Selection *result.Selection
	// Timeout bounds one call. Default: the suite's consumer timeout.
	Timeout time.Duration
	Now     func() time.Time
}

// RunProducer sends each step's recorded request to the producer, checks
// the response against the contract's XSD and the step's response
// matchers, and diffs it against the recorded response, ignoring the
// suite's volatile fields.
func RunProducer(ctx context.Context, suite *scenario.Suite, opts ProducerOptions) (*result.Run, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	set := opts.Contracts
	var notes []string
	if set == nil {
		var cleanup func()
		var err error
		set, cleanup, err = LoadContracts(suite)
		if set == nil {
			return nil, err
		}
		defer cleanup()
		if err != nil {
			notes = append(notes, err.Error())
			fmt.Fprintln(opts.Progress, "warning:", err)
		}
	}
	warnAnchors(opts.Progress, set)
	v := opts.Validator
	if v == nil {
		v = xsd.New(set)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = suite.Defaults.ConsumerTimeout.Or(DefaultConsumerTimeout)
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: opts.TLS, ForceAttemptHTTP2: false}}
	defer client.CloseIdleConnections()
	p := &producerRun{suite: suite, opts: opts, set: set, v: v, client: client}
	if opts.Out != "" {
		p.store = exchange.NewStore(opts.Out)
	}
	h := &Harness{suite: suite, opts: Options{Scenarios: opts.Scenarios, Selection: opts.Selection}, cleanup: func() {}}
	scs, err := h.selected()
	if err != nil {
		return nil, err
	}
	bi := buildinfo.Get()
	run := &result.Run{Tool: result.Tool{Name: "rivgate", Version: bi.Version}, Mode: "producer",
		Suite:   result.SuiteRef{ID: suite.ID, Title: suite.Title, Dir: suite.DisplayDir()},
		Started: opts.Now(), Target: opts.URL, StrictXSD: set.StrictXSD(), PatternAnchors: anchorWarnings(set), Requirements: suite.AllRequirements(), Notes: notes,
		Selection: selectionFor(suite, opts.Scenarios, opts.Selection)}
	if opts.Out != "" {
		// Marks the directory as holding a run under way (no finished
		// time) before any exchange is written.
		if err := result.Write(opts.Out, run); err != nil {
			return run, err
		}
	}
scenarios:
	for _, sc := range scs {
		if p.unreachable != "" {
			break
		}
		scr := &result.Scenario{ID: sc.ID, Title: sc.Title, File: sc.File, Likelihood: sc.Likelihood, Requirements: sc.Requirements,
			Status: result.Skip, Started: opts.Now()}
		run.Scenarios = append(run.Scenarios, scr)
		for i, st := range sc.Steps {
			if ctx.Err() != nil {
				run.Aborted = "interrupted: " + context.Cause(ctx).Error()
			}
			if p.unreachable != "" {
				run.Aborted = p.unreachable
			}
			if run.Aborted != "" {
				scr.Finished = opts.Now()
				break scenarios
			}
			scr.Steps = append(scr.Steps, p.step(ctx, sc, st, i))
			if opts.Out != "" {
				// Step by step, for a reader following the run (its
				// exchange is on disk: the store writes it in p.step).
				if err := result.Write(opts.Out, run); err != nil {
					return run, err
				}
			}
		}
		scr.Finished = opts.Now()
	}
	if run.Aborted == "" && p.unreachable != "" {
		run.Aborted = p.unreachable
	}
	run.Finished = opts.Now()
	if opts.Out != "" {
		if err := result.Write(opts.Out, run); err != nil {
			return run, err
		}
	} else {
		run.Recompute()
	}
	return run, nil
}

type producerRun struct {
	suite  *scenario.Suite
	opts   ProducerOptions
	set    *contracts.Set
	v      xsd.Validator
	client *http.Client
	store  *exchange.Store
	// schematron caches parsed Schematron files by suite-relative name.
	schematron map[string]*schematron.Schema
	// reached: the producer answered once; unreachable: why it cannot be
	// reached at all (a connection refused before any answer), which
	// aborts the run.
	reached     bool
	unreachable string
}

func (p *producerRun) add(str *result.Step, sc *scenario.Scenario, id, req string, status result.Status, msg, ex string) {
	r, _ := p.suite.Requirement(req)
	str.Checks = append(str.Checks, result.Check{ID: id, Requirement: req, Impact: r.Impact, Likelihood: sc.Likelihood,
		Status: status, Message: msg, Exchange: ex, At: p.opts.Now()})
}

func (p *producerRun) step(ctx context.Context, sc *scenario.Scenario, st *scenario.Step, idx int) *result.Step {
	str := &result.Step{Index: idx + 1, ID: st.ID, Title: st.Title, Line: st.Line, Requirements: st.Requirements,
		Status: result.Skip, Started: p.opts.Now()}
	defer func() { str.Finished = p.opts.Now() }()
	label := fmt.Sprintf("scenario %s step %d/%d %s", sc.ID, idx+1, len(sc.Steps), st.ID)
	switch {
	case st.Request == "":
		str.Message = "no recorded request: nothing to send in producer mode"
		return str
	case st.Respond != nil && (st.Respond.VPFault != "" || st.Respond.Timeout || st.Respond.Connection != ""):
		str.Message = "a platform or connection fault step: consumer mode only"
		return str
	}
	body, err := p.suite.ReadFile(st.Request)
	if err != nil {
		str.Status, str.Message = result.Fail, err.Error()
		return str
	}
	soapAction := ""
	if info, err := envelope.SniffBytes(body); err == nil {
		if op, ok := p.set.ByNamespace(info.Body.Space); ok {
			soapAction = op.SOAPAction
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.opts.URL, bytes.NewReader(body))
	if err != nil {
		str.Status, str.Message = result.Fail, err.Error()
		return str
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	if soapAction != "" {
		req.Header.Set("SOAPAction", `"`+soapAction+`"`)
	}
	// The step's headers come last, so a suite can send a wrong
	// Content-Type or SOAPAction on purpose (as a SoapUI request's own
	// headers replace the generated ones).
	for k, v := range st.RequestHeaders {
		req.Header.Set(k, v)
	}
	fmt.Fprintf(p.opts.Progress, "%s %s: sending %s to %s\n", p.opts.Now().Format("15:04:05"), label, st.Request, p.opts.URL)
	ex := &exchange.Exchange{Scenario: sc.ID, Step: st.ID, Role: "producer", Received: p.opts.Now()}
	if p.store != nil {
		p.store.Begin(ex)
	}
	ex.Request.Method, ex.Request.URI, ex.Request.Proto, ex.Request.Header = req.Method, p.opts.URL, "HTTP/1.1", req.Header.Clone()
	resp, err := p.client.Do(req)
	var respBody []byte
	if err == nil {
		respBody, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		ex.Response.Status, ex.Response.Header = resp.StatusCode, resp.Header.Clone()
		ex.TLS = exchange.TLSFrom(resp.TLS)
	}
	ex.Responded = p.opts.Now()
	if err != nil {
		ex.Error = err.Error()
	}
	if p.store != nil {
		if werr := p.store.Write(ex, body, respBody); werr != nil {
			str.Message = werr.Error()
		}
		str.Exchanges = append(str.Exchanges, ex.ID)
	}
	var op *net.OpError
	if err != nil && !p.reached && errors.As(err, &op) && op.Op == "dial" {
		// Nothing to test: the producer or its environment is unreachable.
		p.unreachable = fmt.Sprintf("the producer at %s cannot be reached: %v", p.opts.URL, op.Err)
		str.Message = "not run: " + p.unreachable
		return str
	}
	if err != nil {
		p.add(str, sc, CheckResponseReceived, scenario.ReqProducerResponse, result.Fail, "no response: "+err.Error(), ex.ID)
		return str
	}
	p.reached = true
	p.add(str, sc, CheckResponseReceived, scenario.ReqProducerResponse, result.Pass, fmt.Sprintf("HTTP %d, %d bytes", resp.StatusCode, len(respBody)), ex.ID)
	p.checkResponse(str, sc, st, resp, respBody, ex.ID)
	p.responseChecks(str, sc, st, resp, respBody, ex.Responded.Sub(ex.Received), ex.ID)
	return str
}

func (p *producerRun) checkResponse(str *result.Step, sc *scenario.Scenario, st *scenario.Step, resp *http.Response, body []byte, exID string) {
	wantFault := st.Respond != nil && st.Respond.SOAPFault != nil
	if rc := st.ResponseChecks; rc != nil && rc.Fault != nil {
		wantFault = *rc.Fault
	}
	wantStatus := 200
	if wantFault {
		wantStatus = 500
	}
	if st.Respond != nil && st.Respond.Status != 0 {
		wantStatus = st.Respond.Status
	}
	if resp.StatusCode != wantStatus {
		p.add(str, sc, CheckResponseStatus, scenario.ReqProducerResponse, result.Fail, fmt.Sprintf("HTTP %d, want %d", resp.StatusCode, wantStatus), exID)
	} else {
		p.add(str, sc, CheckResponseStatus, scenario.ReqProducerResponse, result.Pass, fmt.Sprintf("HTTP %d", resp.StatusCode), exID)
	}
	parsedFault, faultErr := vpfault.Parse(body)
	switch {
	case wantFault && faultErr != nil:
		p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Fail, "want a SOAP fault: "+faultErr.Error(), exID)
	case wantFault:
		p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Pass, fmt.Sprintf("SOAP fault %s %q", parsedFault.FaultCode, parsedFault.FaultString), exID)
	case faultErr == nil:
		p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Fail, fmt.Sprintf("unexpected SOAP fault %s %q", parsedFault.FaultCode, parsedFault.FaultString), exID)
	default:
		ns, problems, err := xsd.ValidateMessage(p.v, body)
		switch {
		case err != nil:
			p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Fail, fmt.Sprintf("cannot validate %s: %v", ns, err), exID)
		case len(problems) > 0:
			msg := fmt.Sprintf("%d schema problem(s) for %s", len(problems), ns)
			for i, pr := range problems {
				if i == 5 {
					break
				}
				msg += "; " + pr.String()
			}
			p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Fail, msg, exID)
		default:
			p.add(str, sc, CheckResponseSchema, scenario.ReqProducerResponse, result.Pass, "valid against the schema of "+ns, exID)
		}
	}
	doc, docErr := msgcheck.ParseDocument(body)
	ns := p.suite.XPathNamespaces()
	for i, m := range st.ResponseMatch {
		r := match.Eval(m, match.Message{Doc: doc, Header: resp.Header}, ns)
		s := result.Fail
		if r.OK {
			s = result.Pass
		}
		p.add(str, sc, fmt.Sprintf("response-match[%d]", i), check.MatcherRequirement(m, sc, st), s, r.Message, exID)
	}
	if st.Respond == nil || st.Respond.File == "" || wantFault || !st.ResponseChecks.Compares() {
		return
	}
	msg, status := p.diff(st, doc, docErr)
	p.add(str, sc, CheckResponseDiff, scenario.ReqProducerResponse, status, msg, exID)
}

// diff compares the response with the recorded one, volatile fields blanked.
func (p *producerRun) diff(st *scenario.Step, got *etree.Document, gotErr error) (string, result.Status) {
	if gotErr != nil {
		return "response is not XML: " + gotErr.Error(), result.Fail
	}
	recorded, err := p.suite.ReadFile(st.Respond.File)
	if err != nil {
		return err.Error(), result.Fail
	}
	want, err := msgcheck.ParseDocument(recorded)
	if err != nil {
		return fmt.Sprintf("recorded response %s: %v", st.Respond.File, err), result.Fail
	}
	volatile := append(append([]string{}, p.suite.Volatile...), st.Volatile...)
	ns := p.suite.XPathNamespaces()
	if err := errors.Join(match.Blank(want, volatile, ns), match.Blank(got, volatile, ns)); err != nil {
		return err.Error(), result.Fail
	}
	diffs := match.Diff(want, got, maxDiffs)
	if len(diffs) == 0 {
		return fmt.Sprintf("same as %s (ignoring %d volatile field rule(s))", st.Respond.File, len(volatile)), result.Pass
	}
	msg := fmt.Sprintf("%d difference(s) from %s: ", len(diffs), st.Respond.File)
	for i, d := range diffs {
		if i > 0 {
			msg += "; "
		}
		msg += d
	}
	return msg, result.Fail
}
