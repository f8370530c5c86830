package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/inject"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/ids"
)

// progressEvery is how often a waiting harness says it is still waiting.
const progressEvery = 10 * time.Second

// TriggerExitGrace is how long after a command trigger exited 0 the
// harness waits for the run's first request before it aborts the run: the
// trigger did not make the consumer call.
const TriggerExitGrace = 2 * time.Second

// pending is a request a handler holds until the runner decides its answer.
type pending struct {
	r        *http.Request
	msg      *msgcheck.Message // the request as read, parsed once when needed
	readErr  error
	tooLarge *check.TooLarge // the body was over Options.MaxBody
	received time.Time
	reply    chan reply
}

type reply struct {
	ex     *exchange.Exchange
	answer *inject.Answer
	hold   time.Duration
	done   chan inject.Sent // nil: the runner does not wait for this one
}

// handle reads the request, hands it to the runner and serves its answer.
func (h *Harness) handle(w http.ResponseWriter, r *http.Request) {
	h.wg.Add(1)
	defer h.wg.Done()
	if isWSDLRequest(r) {
		h.serveWSDL(w, r)
		return
	}
	received := h.opts.Now()
	h.requests.Add(1)
	p := &pending{r: r, received: received, reply: make(chan reply, 1)}
	limit := h.opts.MaxBody
	if r.ContentLength > limit {
		// Announced too large: not read at all (memory stays bounded).
		p.tooLarge = &check.TooLarge{Limit: limit, Declared: r.ContentLength}
		w.Header().Set("Connection", "close")
	}
	var body []byte
	if p.tooLarge == nil {
		body, p.readErr = readBody(w, r, limit)
		var mbe *http.MaxBytesError
		if errors.As(p.readErr, &mbe) {
			p.tooLarge = &check.TooLarge{Limit: limit, Declared: r.ContentLength}
		}
	}
	p.msg = check.NewMessage(r.Header, body, peerCert(r), p.tooLarge)
	select {
	case h.incoming <- p:
	case <-r.Context().Done():
		return
	}
	rep := <-p.reply
	sent := rep.answer.Serve(context.WithoutCancel(r.Context()), w, r, rep.hold)
	if rep.done != nil {
		rep.done <- sent
	}
	h.record(rep.ex, p, rep.answer, sent)
}

// readBody reads at most limit bytes of r's body into one buffer: sized by
// its Content-Length when it has one, else grown by doubling but never past
// limit+1, so a chunked body over the limit costs about 1.5 times the limit
// at the worst moment, not the 3 times a plain doubling buffer would.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	size := int64(64 << 10)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1 // +1: the read that sees the end
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(int64(2*cap(buf)), limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// record writes one exchange, byte-exact, when an output directory is set.
func (h *Harness) record(ex *exchange.Exchange, p *pending, a *inject.Answer, sent inject.Sent) {
	if h.store == nil || ex == nil {
		return
	}
	defer func() {
		h.recMu.Lock()
		if done := h.recording[ex.ID]; done != nil {
			close(done)
			delete(h.recording, ex.ID)
		}
		h.recMu.Unlock()
	}()
	ex.Received, ex.Responded, ex.ClientGone = p.received, sent.Responded, sent.ClientGone
	ex.Remote = p.r.RemoteAddr
	ex.TLS = exchange.TLSFrom(p.r.TLS)
	ex.Request.Method, ex.Request.URI, ex.Request.Proto = p.r.Method, p.r.RequestURI, p.r.Proto
	ex.Request.Header = p.r.Header.Clone()
	ex.Response.Status, ex.Response.Header = sent.Status, sent.Header
	if a.IsFault() {
		ex.Fault = a.Kind
	}
	if sent.Err != nil {
		ex.Error = sent.Err.Error()
	}
	if p.readErr != nil {
		ex.Error = strings.TrimSpace(ex.Error + "; read request body: " + p.readErr.Error())
	}
	if p.tooLarge != nil {
		ex.TooLarge = &exchange.BodyLimit{Limit: p.tooLarge.Limit, Declared: p.tooLarge.Declared}
	}
	if err := h.store.Write(ex, p.msg.Body, sent.Body); err != nil {
		h.progress("ERROR recording exchange %s: %v", ex.ID, err)
	}
}

func (h *Harness) begin(scenarioID, stepID, role string) *exchange.Exchange {
	ex := &exchange.Exchange{Scenario: scenarioID, Step: stepID, Role: role}
	if h.store != nil {
		h.store.Begin(ex)
		h.recMu.Lock()
		h.recording[ex.ID] = make(chan struct{})
		h.recMu.Unlock()
	}
	return ex
}

// Run runs the selected scenarios in order and returns the results (also
// written to Out/results.json, after every step whose exchanges are on
// disk, after every scenario and at the end).
// Start must have been called.
func (h *Harness) Run(ctx context.Context) (*result.Run, error) {
	if h.ln == nil && h.startErr == nil {
		return nil, errors.New("harness: Run before Start")
	}
	scs, err := h.selected()
	if err != nil {
		return nil, err
	}
	run := h.newRun()
	h.cur = run
	if h.plog != nil {
		h.plog.tick = time.NewTicker(platformPoll)
		defer h.plog.tick.Stop()
	}
	// Before anything can be recorded: results.json says a run is under
	// way (no finished time), so an earlier run's results in the same
	// directory can never be taken for this one's.
	if err := h.writeResults(run); err != nil {
		return run, err
	}
	if h.startErr != nil {
		// Nothing can reach a harness that does not listen.
		run.Aborted = "the harness cannot listen, so the consumer cannot reach it: " + h.startErr.Error()
		run.Finished = h.opts.Now()
		h.progress("ABORTED: %s", run.Aborted)
		return run, h.writeResults(run)
	}
	if via := h.opts.ViaPlatform; via != "" {
		h.progress("suite %s: %d scenario(s); platform %s calls %s with its client certificate for consumer %s", h.suite.ID, len(scs), via, h.URL(), h.suite.Consumer.HSAID)
	} else {
		h.progress("suite %s: %d scenario(s); consumers call %s with a client certificate for %s", h.suite.ID, len(scs), h.URL(), h.suite.Consumer.HSAID)
	}
	h.progressContracts()
	for i, sc := range scs {
		scr := &result.Scenario{ID: sc.ID, Title: sc.Title, File: sc.File, Likelihood: sc.Likelihood,
			Requirements: sc.Requirements, Status: result.Skip, Started: h.opts.Now()}
		run.Scenarios = append(run.Scenarios, scr)
		h.ran, h.lastAwaiting = append(h.ran, sc), append(h.lastAwaiting, nil)
		h.progress("scenario %s (%d/%d): %s", sc.ID, i+1, len(scs), sc.Title)
		aborted := h.runScenario(ctx, sc, scr, run)
		scr.Finished = h.opts.Now()
		if aborted != "" {
			run.Aborted = aborted
			h.progress("ABORTED: %s", aborted)
		}
		if err := h.writeResults(run); err != nil {
			return run, err
		}
		if ctx.Err() != nil && run.Aborted == "" {
			run.Aborted = "interrupted: " + context.Cause(ctx).Error()
		}
		if run.Aborted != "" {
			break
		}
	}
	// Requests after the last scenario, until the run ends here, are
	// findings of the run; after that until Close, Close adds them.
	h.afterScenarios(ctx, run)
	h.pollPlatform(nil, nil) // what the gateway logged up to now
	run.Finished = h.opts.Now()
	if err := h.writeResults(run); err != nil {
		return run, err
	}
	h.endRun(run)
	h.progress("suite %s: %s (%d scenario(s): %d pass, %d fail, %d manual pending)", h.suite.ID, run.Status,
		len(run.Scenarios), run.Summary.Scenarios.Pass, run.Summary.Scenarios.Fail, run.Summary.Scenarios.ManualPending)
	return run, nil
}

func (h *Harness) impact(req string) int {
	r, _ := h.suite.Requirement(req)
	return r.Impact
}

// lastFault remembers the fault a step answered, for the recovery check.
type lastFault struct {
	step, answer string
}

// stepRun is one scenario step while it runs.
type stepRun struct {
	sc    *scenario.Scenario
	st    *scenario.Step
	index int          // 0-based
	res   *result.Step // what the step records
	label string       // how progress lines name it
	// more: a later step of the scenario awaits a request, so a request
	// that arrives while this one is answered is held for it.
	more bool
	// refused counts the step's calls the platform refused (platformlog.go).
	refused int
}

// awaitsLater reports whether a step of sc after the i-th awaits a request.
func awaitsLater(sc *scenario.Scenario, i int) bool {
	for _, st := range sc.Steps[i+1:] {
		if st.Expect != nil {
			return true
		}
	}
	return false
}

// runScenario runs one scenario's steps, then waits until the consumer is
// quiet (settle): whatever arrives after a step's answer is judged in this
// scenario. It returns why the run must stop ("" to go on): the consumer
// or its environment is unreachable. After each step but the last (the
// scenario's end writes that one) results.json shows run so far.
func (h *Harness) runScenario(ctx context.Context, sc *scenario.Scenario, scr *result.Scenario, run *result.Run) string {
	var prev *lastFault
	var last *watch // the last step that awaited a request
	scenarioTriggered := false
	for i, st := range sc.Steps {
		if ctx.Err() != nil {
			break
		}
		if i > 0 {
			h.writeStep(run)
		}
		s := &stepRun{sc: sc, st: st, index: i, label: fmt.Sprintf("scenario %s step %d/%d %s", sc.ID, i+1, len(sc.Steps), st.ID),
			res: &result.Step{Index: i + 1, ID: st.ID, Title: st.Title, Line: st.Line, Requirements: st.Requirements,
				Status: result.Skip, Started: h.opts.Now()},
			more: awaitsLater(sc, i)}
		scr.Steps = append(scr.Steps, s.res)
		if st.Manual != "" {
			s.res.Manual = &result.Manual{Instruction: st.Manual}
		}
		if st.Expect == nil {
			h.progress("%s: MANUAL verdict needed: %s%s", s.label, st.Manual, h.manualHint(sc.ID, st.ID))
			s.res.Finished = h.opts.Now()
			continue
		}
		// The scenario's trigger starts its first step that awaits a request.
		trigger := st.Trigger
		if trigger == nil && !scenarioTriggered && sc.Trigger != nil {
			trigger = sc.Trigger
		}
		scenarioTriggered = true
		h.lastAwaiting[len(h.lastAwaiting)-1] = s.res
		w := h.awaitStep(ctx, s, trigger)
		switch {
		case w.abort != "":
			s.res.Message = "not run: " + w.abort
			s.res.TriggerOutput = triggerOutput(w.trig, true)
			s.res.Finished = h.opts.Now()
			return w.abort
		case w.p == nil && s.refused > 0:
			h.refusedStep(s, w)
			prev, last = nil, &watch{s: s}
		case w.p == nil:
			h.missed(s, w, prev)
			prev, last = nil, &watch{s: s}
		default:
			prev, last = h.answerStep(ctx, s, w, prev)
		}
	}
	if last != nil {
		h.settle(ctx, last)
	}
	return ""
}

// awaited is how a step's wait for its request ended.
type awaited struct {
	p     *pending // nil: no request came
	trig  *firing
	wait  time.Duration
	abort string // why the run must stop, "" to go on
}

// awaitStep fires the step's trigger and waits for its request. It aborts
// when nothing connected to the harness at all.
func (h *Harness) awaitStep(ctx context.Context, s *stepRun, trigger *scenario.Trigger) awaited {
	wait := s.st.Wait.Or(h.suite.Defaults.Wait.Or(DefaultWait))
	first := !h.awaited && h.requests.Load() == 0
	h.awaited = true
	if first && h.suite.Defaults.StartTimeout != 0 {
		wait = h.suite.Defaults.StartTimeout.D() // the consumer's first request of the run
	}
	h.progress("%s: awaiting %s (up to %s)", s.label, describeExpect(h.suite, s.st.Expect), wait)
	trig := h.fire(ctx, s.sc, s.st, s.index, trigger)
	h.takeTLSErrors() // only failures while this step waits count
	p, ok, abort := h.await(ctx, wait, s, trig)
	if abort == "" && !ok && ctx.Err() == nil && h.requests.Load() == 0 && h.conns.Load() == 0 && !h.reachedPlatform() {
		abort = fmt.Sprintf("nothing connected to the harness within %s of waiting for the consumer's first request (%s): the consumer or its environment is unreachable", wait, describeExpect(h.suite, s.st.Expect))
		if note := triggerNote(trig); note != "" {
			abort += "; " + note
		}
	}
	return awaited{p: p, trig: trig, wait: wait, abort: abort}
}

// missed records a step whose request did not come; prev is the fault the
// step before answered, if any.
func (h *Harness) missed(s *stepRun, w awaited, prev *lastFault) {
	msg := fmt.Sprintf("no request within %s (awaited %s)", w.wait, describeExpect(h.suite, s.st.Expect))
	if errs := h.takeTLSErrors(); len(errs) > 0 {
		msg += fmt.Sprintf("; %d TLS handshake(s) failed meanwhile, the last: %s", len(errs), errs[len(errs)-1])
	}
	h.addCheck(s.res, s.sc, scenario.ReqExpectedRequest, result.Fail, msg, "")
	if prev != nil {
		status, msg := check.KeepsWorking(false, prev.step, prev.answer, w.wait)
		h.addCheck(s.res, s.sc, scenario.ReqKeepsWorking, status, msg, "")
	}
	s.res.Message = joinNote(s.res.Message, triggerNote(w.trig))
	s.res.TriggerOutput = triggerOutput(w.trig, false)
	s.res.Finished = h.opts.Now()
	h.progress("%s: FAIL no request within %s", s.label, w.wait)
}

// answerStep checks the step's request, answers it and watches what the
// consumer does meanwhile. prev is the fault the step before answered, if
// any; it returns the fault this step answered, for the next, and the
// watch on the answer (the scenario's settle goes on watching the last).
func (h *Harness) answerStep(ctx context.Context, s *stepRun, w awaited, prev *lastFault) (*lastFault, *watch) {
	p := w.p
	ex := h.begin(s.sc.ID, s.st.ID, roleStep)
	s.res.Exchanges = append(s.res.Exchanges, ex.ID)
	s.res.Checks = append(s.res.Checks, h.env.Request(check.Request{Message: p.msg, Exchange: ex.ID, At: p.received}, s.sc, s.st)...)
	if prev != nil {
		status, msg := check.KeepsWorking(true, prev.step, prev.answer, 0)
		h.addCheck(s.res, s.sc, scenario.ReqKeepsWorking, status, msg, ex.ID)
	}
	answer, note := h.answerFor(s.st, p)
	s.res.Answer = answer.Kind
	s.res.Message = joinNote(s.res.Message, note)
	fault, watched := h.deliver(ctx, s, p, ex, answer)
	s.res.Message = joinNote(s.res.Message, triggerNote(w.trig))
	s.res.TriggerOutput = triggerOutput(w.trig, false)
	s.res.Finished = h.opts.Now()
	failed := 0
	for _, c := range s.res.Checks {
		if c.Status == result.Fail {
			failed++
		}
	}
	h.progress("%s: %d check(s), %d failed", s.label, len(s.res.Checks), failed)
	return fault, watched
}

// answerFor builds st's answer to p, and says on the step why it is not
// the one the step gives: the platform refuses p's receiver
// (platform.go), or it could not be built (its files were checked at load
// time, so that is an I/O error or a template placeholder that found
// nothing in p, which the step's template check names): the consumer then
// gets a SOAP fault.
func (h *Harness) answerFor(st *scenario.Step, p *pending) (*inject.Answer, string) {
	answer, err := inject.Build(h.suite, st.Respond, h.requestFacts(p))
	note := ""
	if err != nil {
		answer = &inject.Answer{Kind: "error", Status: 500, Header: http.Header{"Content-Type": {inject.ContentTypeSOAP11}},
			Body: vpfault.RenderFault(string(vpfault.Server), "rivgate: "+err.Error(), "")}
		note = err.Error()
	}
	if pa, why := h.platformOr(p, answer); why != "" {
		return pa, why
	}
	return answer, note
}

// deliver hands the answer to p's handler and watches the consumer until it
// is out and, after a fault, for the retry window; it adds the timeout
// check, and the repeat check unless the scenario's settle still counts
// repeats (the last step awaiting a request). It returns the fault
// answered (nil for none) and the watch.
func (h *Harness) deliver(ctx context.Context, s *stepRun, p *pending, ex *exchange.Exchange, answer *inject.Answer) (*lastFault, *watch) {
	limit := h.suite.Defaults.ConsumerTimeout.Or(DefaultConsumerTimeout)
	hold := limit + grace(limit)
	done := make(chan inject.Sent, 1)
	p.reply <- reply{ex: ex, answer: answer, hold: hold, done: done}
	h.progress("%s: got %s; answering %s", s.label, check.Describe(p.msg), answer.Kind)
	w := &watch{s: s, answer: answer, contract: contractOf(p.msg), first: p.received, exchange: ex.ID}
	sent, ok := h.collect(ctx, done, w)
	if ok && answer.Timeout {
		status, msg := check.TimeoutHonoured(p.received, sent.ClientGone, limit, hold)
		h.addCheck(s.res, s.sc, scenario.ReqTimeoutHonoured, status, msg, ex.ID)
	}
	var fault *lastFault
	if answer.IsFault() {
		h.observe(ctx, h.suite.Defaults.Retry.Observe.Or(DefaultObserve), w)
		fault = &lastFault{step: s.st.ID, answer: answer.Kind}
	}
	if s.more {
		h.judgeRepeats(w)
	}
	return fault, w
}

// grace is how much longer than the consumer's limit rivgate holds a
// request it will not answer, before it gives up itself.
func grace(limit time.Duration) time.Duration { return check.HoldGrace(limit) }

func (h *Harness) addCheck(str *result.Step, sc *scenario.Scenario, req string, status result.Status, msg, ex string) {
	str.Checks = append(str.Checks, result.Check{ID: req, Requirement: req, Impact: h.impact(req), Likelihood: sc.Likelihood,
		Status: status, Message: msg, Exchange: ex, At: h.opts.Now()})
}

// await waits for the step's request, answering nothing else meanwhile
// (there is nothing else to answer: the runner is in this step). It stops
// early, with the reason to abort the run, when the trigger shows the
// consumer cannot be driven: it does not start or cannot be connected to,
// or it failed before any request of the run arrived.
//
// Behind a platform with its log followed, a call the platform refused
// ends the wait too: it returns no request, ok, with the refusal on s.
func (h *Harness) await(ctx context.Context, wait time.Duration, s *stepRun, trig *firing) (*pending, bool, string) {
	label, x := s.label, s.st.Expect
	if len(h.held) > 0 {
		p := h.held[0]
		h.held = h.held[1:]
		return p, true, ""
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	start := time.Now()
	done := trig.done
	var exited <-chan time.Time // the grace after a command trigger exited 0 before any request
	for {
		select {
		case p := <-h.incoming:
			return p, true, ""
		case <-h.platformTick():
			if _, mine := h.pollPlatform(s, nil); mine {
				return nil, true, ""
			}
		case <-done:
			done = nil // closed: look once
			res := trig.res
			if res.unreachable != "" {
				return nil, false, res.unreachable
			}
			if (res.failed || res.exited) && h.requests.Load() == 0 && h.awaitPlatform(s) {
				return nil, true, "" // the consumer's call was refused by the platform
			}
			if res.failed && h.requests.Load() == 0 && !h.reachedPlatform() {
				return nil, false, res.note + ", before any request reached the harness: the consumer cannot be driven"
			}
			if res.exited && h.requests.Load() == 0 && !h.reachedPlatform() {
				g := time.NewTimer(TriggerExitGrace)
				defer g.Stop()
				exited = g.C
			}
		case <-exited:
			if h.requests.Load() == 0 && !h.reachedPlatform() {
				return nil, false, fmt.Sprintf("the trigger exited 0 without a request reaching the harness (%s; nothing came within %s of its exit): it did not make the consumer call; its output is on the step",
					trig.res.what, TriggerExitGrace)
			}
		case <-tick.C:
			h.progress("%s: still awaiting %s (%s left)", label, describeExpect(h.suite, x), (wait - time.Since(start)).Round(time.Second))
		case <-deadline.C:
			return nil, false, ""
		case <-ctx.Done():
			return nil, false, ""
		}
	}
}

func contractOf(m *msgcheck.Message) string {
	info, err := m.Head()
	if err != nil {
		return ""
	}
	return info.Body.Space
}

func (h *Harness) requestFacts(p *pending) inject.Request {
	f := inject.Request{Message: p.msg}
	if info, err := p.msg.Head(); err == nil {
		f.Contract, f.Receiver, f.Profile = info.Body.Space, info.Receiver, info.Profile
		if op := msgcheck.OperationFor(h.env.Contracts, info); op != nil {
			f.ContractProfile = op.Profile
		}
	}
	if c := p.msg.PeerCert; c != nil {
		f.Sender = rivta.SerialNumber(c)
	}
	if f.Profile == "" {
		f.Profile = rivta.RIVTABP21
	}
	f.CorrelationID = p.r.Header.Get(rivta.HeaderCorrelationID)
	if f.CorrelationID == "" {
		f.CorrelationID = ids.NewUUID()
	}
	return f
}

func describeExpect(s *scenario.Suite, x *scenario.Expect) string {
	var parts []string
	if x.Operation != "" {
		parts = append(parts, x.Operation)
	}
	if x.Contract != "" {
		parts = append(parts, "("+x.Contract+")")
	}
	if len(parts) == 0 {
		parts = append(parts, "any request")
	}
	r := x.Receiver
	if r == "" {
		r = s.Defaults.Receiver
	}
	if r != "" {
		parts = append(parts, "to "+r)
	}
	return strings.Join(parts, " ")
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
