package harness

import (
	"context"
	"errors"
	"strings"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// Serve runs the harness as a long-running mock platform: steps are not
// taken in order; each request is answered by the step dispatch picks, and
// every request is checked and recorded. It returns when ctx ends, with the
// results of all requests grouped by the step that answered them
// (results.json is rewritten after every request); Close adds what came
// after.
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
	h.progressContracts()
	steps := map[*scenario.Step]*result.Step{}
	scens := map[*scenario.Scenario]*result.Scenario{}
	for {
		select {
		case <-ctx.Done():
			run.Finished = h.opts.Now()
			err := h.writeResults(run)
			h.endRun(run)
			return run, err
		case p := <-h.incoming:
			sc, st, checks := h.dispatch(p)
			if st == nil {
				run.Unexpected = append(run.Unexpected, h.unexpected(p, "that meets no step's expectation"))
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
			ex := h.begin(sc.ID, st.ID, roleStep)
			for i := range checks {
				checks[i].Exchange = ex.ID
			}
			str.Checks = append(str.Checks, checks...)
			str.Exchanges = append(str.Exchanges, ex.ID)
			answer, note := h.answerFor(st, p)
			str.Message = joinNote(str.Message, note)
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
			h.progress("%s -> scenario %s step %s: %s (%d check(s) failed)", check.Describe(p.msg), sc.ID, st.ID, answer.Kind, failed)
			if err := h.writeResults(run); err != nil {
				return run, err
			}
		}
	}
}

// dispatch picks the step that answers a request in serve mode, and
// returns the request's checks for it: of the steps whose expectation
// (contract, operation, receiver) the request meets, in suite order, the
// first whose matchers all pass and that has at least one (the step made
// for such a request); else the first of them, whose failed matchers are
// then findings (the request is never moved to a step whose expectation
// merely has no matchers). None: the request meets no step's expectation.
func (h *Harness) dispatch(p *pending) (*scenario.Scenario, *scenario.Step, []result.Check) {
	req := check.Request{Message: p.msg, At: p.received}
	var firstSc *scenario.Scenario
	var firstSt *scenario.Step
	var firstChecks []result.Check
	for _, sc := range h.suite.Scenarios {
		for _, st := range sc.Steps {
			if st.Expect == nil {
				continue
			}
			stepChecks := h.env.StepChecks(req, sc, st)
			expected, matched := meets(stepChecks)
			if !expected {
				continue
			}
			if matched && len(st.Expect.Match) > 0 {
				return sc, st, append(h.env.RequestChecks(req, sc), stepChecks...)
			}
			if firstSt == nil {
				firstSc, firstSt, firstChecks = sc, st, stepChecks
			}
		}
	}
	if firstSt == nil {
		return nil, nil, nil
	}
	return firstSc, firstSt, append(h.env.RequestChecks(req, firstSc), firstChecks...)
}

// meets says whether a step's checks on a request pass its expectation
// (RIV-STEP-01) and all its matchers (the built-in request checks are
// findings, not dispatch criteria).
func meets(checks []result.Check) (expected, matched bool) {
	expected, matched = true, true
	for _, c := range checks {
		switch {
		case c.Status == result.Pass:
		case c.ID == scenario.ReqExpectedRequest:
			expected = false
		case strings.HasPrefix(c.ID, "match["):
			matched = false
		}
	}
	return expected, matched
}

func indexOf(sc *scenario.Scenario, st *scenario.Step) int {
	for i, s := range sc.Steps {
		if s == st {
			return i
		}
	}
	return 0
}
