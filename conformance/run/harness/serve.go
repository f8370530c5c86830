package harness

import (
	"context"
	"errors"
	"net/http"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/inject"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// Serve runs the harness as a long-running mock platform: steps are not
// taken in order; each request gets the answer of the first step (in suite
// order) whose expectation and matchers it meets, and every request is
// checked and recorded. It returns when ctx ends, with the results of all
// requests grouped by the step that answered them (results.json is
// rewritten after every request).
func (h *Harness) Serve(ctx context.Context) (*result.Run, error) {
	if h.ln == nil {
		return nil, errors.New("harness: Serve before Start")
	}
	run := h.newRun()
	run.Mode = "serve"
	if err := h.writeResults(run); err != nil {
		return run, err
	}
	h.progress("suite %s: serving as a mock platform at %s until interrupted", h.suite.ID, h.URL())
	steps := map[*scenario.Step]*result.Step{}
	scens := map[*scenario.Scenario]*result.Scenario{}
	for {
		select {
		case <-ctx.Done():
			run.Finished = h.opts.Now()
			return run, h.writeResults(run)
		case p := <-h.incoming:
			sc, st, checks := h.dispatch(p)
			if st == nil {
				h.unexpected(p, run, "that matches no step of the suite")
				if err := h.writeResults(run); err != nil {
					return run, err
				}
				continue
			}
			scr, ok := scens[sc]
			if !ok {
				scr = &result.Scenario{ID: sc.ID, Title: sc.Title, File: sc.File, Likelihood: sc.Likelihood, Requirements: sc.Requirements,
					Status: result.Skip, Started: p.received}
				scens[sc] = scr
				run.Scenarios = append(run.Scenarios, scr)
			}
			str, ok := steps[st]
			if !ok {
				str = &result.Step{Index: indexOf(sc, st) + 1, ID: st.ID, Title: st.Title, Line: st.Line, Requirements: st.Requirements,
					Status: result.Skip, Started: p.received}
				steps[st] = str
				scr.Steps = append(scr.Steps, str)
			}
			ex := h.begin(sc.ID, st.ID, "step")
			for i := range checks {
				checks[i].Exchange = ex.ID
			}
			str.Checks = append(str.Checks, checks...)
			str.Exchanges = append(str.Exchanges, ex.ID)
			answer, err := inject.Build(h.suite, st.Respond, h.requestFacts(p))
			if err != nil {
				answer = &inject.Answer{Kind: "error", Status: 500, Header: http.Header{"Content-Type": {inject.ContentTypeSOAP11}},
					Body: vpfault.RenderFault(string(vpfault.Server), "rivgate: "+err.Error(), "")}
			}
			str.Answer, str.Finished, scr.Finished = answer.Kind, h.opts.Now(), h.opts.Now()
			limit := h.suite.Defaults.ConsumerTimeout.Or(DefaultConsumerTimeout)
			p.reply <- reply{ex: ex, answer: answer, hold: limit + grace(limit)}
			failed := 0
			for _, c := range checks {
				if c.Status == result.Fail {
					failed++
					h.progress("  FAIL %s %s: %s", c.ID, c.Requirement, c.Message)
				}
			}
			h.progress("%s -> scenario %s step %s: %s (%d check(s) failed)", describeRequest(p.msg), sc.ID, st.ID, answer.Kind, failed)
			if err := h.writeResults(run); err != nil {
				return run, err
			}
		}
	}
}

// dispatch finds the first step whose expectation and matchers the request
// meets, and returns that step's checks on it (the built-in request checks
// run once, for the step found).
func (h *Harness) dispatch(p *pending) (*scenario.Scenario, *scenario.Step, []result.Check) {
	req := check.Request{Message: p.msg, At: p.received}
	for _, sc := range h.suite.Scenarios {
		for _, st := range sc.Steps {
			if st.Expect == nil {
				continue
			}
			if stepChecks := h.env.StepChecks(req, sc, st); meets(stepChecks) {
				return sc, st, append(h.env.RequestChecks(req, sc), stepChecks...)
			}
		}
	}
	return nil, nil, nil
}

// meets: the expectation and every matcher passed (the built-in request
// checks are findings, not dispatch criteria).
func meets(checks []result.Check) bool {
	for _, c := range checks {
		if (c.ID == scenario.ReqExpectedRequest || len(c.ID) > 6 && c.ID[:6] == "match[") && c.Status != result.Pass {
			return false
		}
	}
	return true
}

func indexOf(sc *scenario.Scenario, st *scenario.Step) int {
	for i, s := range sc.Steps {
		if s == st {
			return i
		}
	}
	return 0
}
