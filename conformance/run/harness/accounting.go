package harness

import (
	"context"
	"net/http"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/inject"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// Where every request goes. A request is a step's own (the step awaiting
// one takes the next that arrives), a repeat of the step just answered, held
// for a later step of the same scenario, unexpected in the scenario (after
// its last step's answer, until the consumer is quiet) or unexpected in the
// run (after the last scenario; Close adds those that come after Run
// returned). Nothing is carried into another scenario: each one ends only
// when the consumer has been quiet for the suite's settle time.

// DefaultSettle is how long the consumer must be quiet after a scenario's
// last step before the next scenario starts (suite defaults.settle).
const DefaultSettle = time.Second

// Roles of the harness's exchanges (exchange.Role).
const (
	roleStep       = exchange.RoleStep
	roleRepeat     = exchange.RoleRepeat
	roleUnexpected = exchange.RoleUnexpected
)

// watch is a step that awaited a request, while its answer goes out and
// after: requests that arrive meanwhile are repeats of it, held for a later
// step, or unexpected in its scenario.
type watch struct {
	s        *stepRun
	answer   *inject.Answer // nil: the step's request never came
	contract string         // the answered request's contract namespace
	first    time.Time      // when the answered request arrived
	exchange string         // its exchange id
	repeats  []time.Time    // when each repeat arrived
	judged   bool           // the repeat check is on the step
}

// collect waits until the step's answer is out, placing concurrent
// requests (other).
func (h *Harness) collect(ctx context.Context, done chan inject.Sent, w *watch) (inject.Sent, bool) {
	for {
		select {
		case s := <-done:
			return s, true
		case p := <-h.incoming:
			h.other(p, w)
		case <-h.platformTick():
			h.pollPlatform(nil, w)
		case <-ctx.Done():
			return inject.Sent{}, false
		}
	}
}

// observe places the requests that arrive within window (other).
func (h *Harness) observe(ctx context.Context, window time.Duration, w *watch) {
	t := time.NewTimer(window)
	defer t.Stop()
	for {
		select {
		case p := <-h.incoming:
			h.other(p, w)
		case <-h.platformTick():
			h.pollPlatform(nil, w)
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// settle ends a scenario: it places what arrives (other, with no later
// step to hold for) until the consumer has been quiet for the settle time,
// at most the suite's wait; then it judges the repeats of the scenario's
// last answered step.
func (h *Harness) settle(ctx context.Context, w *watch) {
	quiet := h.suite.Defaults.Settle.Or(DefaultSettle)
	limit := h.suite.Defaults.Wait.Or(DefaultWait)
	bound := time.NewTimer(limit)
	defer bound.Stop()
	t := time.NewTimer(quiet)
	defer t.Stop()
	defer h.judgeRepeats(w)
	for {
		select {
		case p := <-h.incoming:
			h.other(p, w)
			t.Reset(quiet)
		case <-h.platformTick():
			if n, _ := h.pollPlatform(nil, w); n > 0 {
				t.Reset(quiet) // a refused call is the consumer being active too
			}
		case <-t.C:
			return
		case <-bound.C:
			msg := "the consumer was not quiet for " + quiet.String() + " within " + limit.String() + " after the scenario's last step; the next scenario starts anyway"
			h.progress("scenario %s: %s", w.s.sc.ID, msg)
			w.s.res.Message = joinNote(w.s.res.Message, msg)
			return
		case <-ctx.Done():
			return
		}
	}
}

// other places a request that arrives after w's step took its own: for
// the same contract after a fault, or after the scenario's last answer, it
// is a repeat and gets the same answer; otherwise it is held for the
// scenario's next step awaiting a request (a fast consumer sends its next
// call as soon as it has the answer, which may be before the harness has
// seen that answer go out), or, with none left, it is unexpected in this
// scenario.
func (h *Harness) other(p *pending, w *watch) {
	sc, st := w.s.sc, w.s.st
	switch {
	case w.answer != nil && contractOf(p.msg) == w.contract && (w.answer.IsFault() || !w.s.more):
		ex := h.begin(sc.ID, st.ID+"-repeat", roleRepeat)
		answer, _ := h.platformOr(p, w.answer)
		limit := h.suite.Defaults.ConsumerTimeout.Or(DefaultConsumerTimeout)
		p.reply <- reply{ex: ex, answer: answer, hold: limit + grace(limit)}
		w.repeats = append(w.repeats, p.received)
		w.s.res.Exchanges = append(w.s.res.Exchanges, ex.ID)
		h.progress("scenario %s step %s: repeat %d of its request (%s)", sc.ID, st.ID, len(w.repeats), ex.ID)
	case w.s.more:
		h.held = append(h.held, p)
		h.progress("scenario %s step %s: a request arrived while this step was being answered; it is for the next step", sc.ID, st.ID)
	default:
		ex := h.answerUnexpected(p, sc.ID, st.ID+"-unexpected", "no step of the scenario awaits it")
		w.s.res.Exchanges = append(w.s.res.Exchanges, ex.ID)
		c := h.env.Unexpected(check.Request{Message: p.msg, Exchange: ex.ID, At: p.received}, sc, WhenInScenario)
		w.s.res.Checks = append(w.s.res.Checks, c)
		h.progress("scenario %s step %s: FAIL %s (%s)", sc.ID, st.ID, c.Message, ex.ID)
	}
}

// WhenInScenario and WhenAfterRun say when an unexpected request came, in
// its finding.
const (
	WhenInScenario = "after the scenario's last step"
	WhenAfterRun   = "after the last scenario"
)

// judgeRepeats adds the repeat check (RIV-BEH-01) on w's step: after a
// fault always, after another answer when it was repeated.
func (h *Harness) judgeRepeats(w *watch) {
	if w.answer == nil || w.judged {
		return
	}
	w.judged = true
	status, msg, ok := check.Repeats(w.answer.IsFault(), w.first, w.repeats, h.suite.Defaults.Retry)
	if ok {
		h.addCheck(w.s.res, w.s.sc, scenario.ReqNoRetryStorm, status, msg, w.exchange)
	}
}

// answerUnexpected answers a request no step takes: as the platform when
// it would refuse the request, else with a SOAP fault saying why. It
// returns the exchange being recorded.
func (h *Harness) answerUnexpected(p *pending, scenarioID, stepID, why string) *exchange.Exchange {
	ex := h.begin(scenarioID, stepID, roleUnexpected)
	body := vpfault.RenderFault(string(vpfault.Server), "rivgate conformance harness: "+why, "")
	a := &inject.Answer{Kind: "unexpected", Status: 500, Header: http.Header{"Content-Type": {inject.ContentTypeSOAP11}}, Body: body}
	a, _ = h.platformOr(p, a)
	p.reply <- reply{ex: ex, answer: a, hold: time.Second}
	return ex
}

// unexpected answers a request outside every scenario and returns its
// finding for the run.
func (h *Harness) unexpected(p *pending, when string) result.Check {
	ex := h.answerUnexpected(p, "", "", "no scenario step awaits a request "+when)
	c := h.env.Unexpected(check.Request{Message: p.msg, Exchange: ex.ID, At: p.received}, nil, when)
	h.progress("FAIL %s (%s)", c.Message, ex.ID)
	return c
}

// afterScenarios ends a run's scenarios: requests held for a step that
// never came (the run was aborted or interrupted) and those that arrive
// while the triggers finish (at most 10 seconds) are findings of the run.
func (h *Harness) afterScenarios(ctx context.Context, run *result.Run) {
	for _, p := range h.held {
		run.Unexpected = append(run.Unexpected, h.unexpected(p, "held for a step that did not run"))
	}
	h.held = nil
	done := make(chan struct{})
	go func() {
		h.triggers.Wait()
		close(done)
	}()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case p := <-h.incoming:
			run.Unexpected = append(run.Unexpected, h.unexpected(p, WhenAfterRun))
		case <-h.platformTick():
			h.pollPlatform(nil, nil)
		case <-done:
			return
		case <-t.C:
			h.progress("a trigger is still running after the last step; not waiting for it")
			return
		case <-ctx.Done():
			return
		}
	}
}

// endRun hands the run's requests to drain until Close, which adds them to
// run (unless Close already began: then there is no one left to answer).
func (h *Harness) endRun(run *result.Run) {
	h.lateMu.Lock()
	defer h.lateMu.Unlock()
	h.run = run
	if h.closing {
		return
	}
	h.drainStop, h.drained = make(chan struct{}), make(chan struct{})
	go h.drain(h.drainStop, h.drained)
}

// drain answers the requests that arrive after the run ended, keeping
// their findings for Close, until stop is closed.
func (h *Harness) drain(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case p := <-h.incoming:
			c := h.unexpected(p, WhenAfterRun)
			h.lateMu.Lock()
			h.late = append(h.late, c)
			h.lateMu.Unlock()
		case <-stop:
			return
		}
	}
}

// closeRun stops drain (all handlers have finished) and adds what it
// answered to the run, rewriting results.json.
func (h *Harness) closeRun() error {
	h.lateMu.Lock()
	h.closing = true
	stop, done := h.drainStop, h.drained
	h.lateMu.Unlock()
	if stop == nil {
		return nil
	}
	close(stop)
	<-done
	h.lateMu.Lock()
	late, run := h.late, h.run
	h.late = nil
	h.lateMu.Unlock()
	if len(late) == 0 || run == nil {
		return nil
	}
	run.Unexpected = append(run.Unexpected, late...)
	h.progress("%d request(s) came after the run ended; results.json lists them as unexpected", len(late))
	return h.writeResults(run)
}
