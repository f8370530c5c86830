package harness

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/schematron"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// maxSchematronFindings bounds how many findings one check message lists.
const maxSchematronFindings = 10

// responseChecks runs a step's response_checks on the producer's answer.
func (p *producerRun) responseChecks(str *result.Step, sc *scenario.Scenario, st *scenario.Step, resp *http.Response, body []byte, took time.Duration, exID string) {
	rc := st.ResponseChecks
	if rc == nil {
		return
	}
	req := rc.Requirement
	if req == "" {
		req = scenario.ReqProducerResponse
		if len(st.Requirements) > 0 {
			req = st.Requirements[0]
		} else if len(sc.Requirements) > 0 {
			req = sc.Requirements[0]
		}
	}
	add := func(id string, ok bool, msg string) {
		s := result.Fail
		if ok {
			s = result.Pass
		}
		p.add(str, sc, id, req, s, msg, exID)
	}
	if rc.Fault != nil {
		f, err := vpfault.Parse(body)
		switch {
		case *rc.Fault && err != nil:
			add(CheckResponseFault, false, "want a SOAP fault: "+err.Error())
		case *rc.Fault:
			add(CheckResponseFault, true, fmt.Sprintf("a SOAP fault, as expected: %s %q", f.FaultCode, f.FaultString))
		case err == nil:
			add(CheckResponseFault, false, fmt.Sprintf("want an answer that is not a SOAP fault, got %s %q", f.FaultCode, f.FaultString))
		default:
			add(CheckResponseFault, true, "not a SOAP fault, as expected")
		}
	}
	if rc.MaxTime != 0 {
		add(CheckResponseTime, took <= rc.MaxTime.D(), fmt.Sprintf("answered in %s, limit %s", took.Round(time.Millisecond), rc.MaxTime.D()))
	}
	if len(rc.StatusCodes) > 0 {
		add(CheckResponseStatusCodes, slices.Contains(rc.StatusCodes, resp.StatusCode), fmt.Sprintf("HTTP %d, want one of %v", resp.StatusCode, rc.StatusCodes))
	}
	if len(rc.NotStatusCodes) > 0 {
		add(CheckResponseNotStatusCodes, !slices.Contains(rc.NotStatusCodes, resp.StatusCode), fmt.Sprintf("HTTP %d, want none of %v", resp.StatusCode, rc.NotStatusCodes))
	}
	text := string(body)
	for i, r := range rc.Contains {
		re, err := r.Compile()
		found := err == nil && re.MatchString(text)
		add(fmt.Sprintf("response-contains[%d]", i), found, describeText(r, found, true))
	}
	for i, r := range rc.NotContains {
		re, err := r.Compile()
		found := err != nil || re.MatchString(text)
		add(fmt.Sprintf("response-not-contains[%d]", i), !found, describeText(r, found, false))
	}
	for i, name := range rc.Schematron {
		id := fmt.Sprintf("response-schematron[%d]", i)
		status, msg := p.schematron1(name, body)
		p.add(str, sc, id, req, status, msg, exID)
	}
}

func describeText(r scenario.TextRule, found, want bool) string {
	what := fmt.Sprintf("%q", r.Text)
	if r.Regex {
		what = "/" + r.Text + "/"
	}
	if r.IgnoreCase {
		what += " (ignoring case)"
	}
	switch {
	case want && found:
		return "the answer contains " + what
	case want:
		return "the answer does not contain " + what
	case found:
		return "the answer contains " + what + ", which it must not"
	}
	return "the answer does not contain " + what + ", as required"
}

// schematron1 evaluates one Schematron file on the answer. A part of the
// schema that cannot be evaluated makes the check skip (could not verify)
// unless an evaluated assertion already failed: never a pass.
func (p *producerRun) schematron1(name string, body []byte) (result.Status, string) {
	s, err := p.loadSchematron(name)
	if err != nil {
		return result.Fail, err.Error()
	}
	if _, err := msgcheck.ParseDocument(body); err != nil {
		// the depth-bounded parse guards the evaluator as it guards matchers
		return result.Fail, fmt.Sprintf("%s: the answer is not XML: %v", name, err)
	}
	rep, err := s.Validate(body)
	if err != nil {
		return result.Fail, fmt.Sprintf("%s: %v", name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rule firing(s), %d assertion(s) evaluated", name, rep.Fired, rep.Checked)
	status := result.Pass
	if len(rep.Findings) > 0 {
		status = result.Fail
		fmt.Fprintf(&b, ", %d failed", len(rep.Findings))
		for i, f := range rep.Findings {
			if i == maxSchematronFindings {
				fmt.Fprintf(&b, "; ... %d more", len(rep.Findings)-i)
				break
			}
			b.WriteString("; " + f.String())
		}
	}
	if len(rep.NotEvaluated) > 0 {
		if status == result.Pass {
			status = result.Skip
		}
		fmt.Fprintf(&b, "; %d part(s) could not be evaluated", len(rep.NotEvaluated))
		for i, pr := range rep.NotEvaluated {
			if i == maxSchematronFindings {
				break
			}
			b.WriteString("; " + pr.String())
		}
	}
	return status, b.String()
}

func (p *producerRun) loadSchematron(name string) (*schematron.Schema, error) {
	if s, ok := p.schematron[name]; ok {
		return s, nil
	}
	data, err := p.suite.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s, err := schematron.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("schematron %s: %w", name, err)
	}
	s.Source = name
	if p.schematron == nil {
		p.schematron = map[string]*schematron.Schema{}
	}
	p.schematron[name] = s
	return s, nil
}
