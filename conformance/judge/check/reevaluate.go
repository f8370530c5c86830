package check

import (
	"fmt"
	"time"

	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// RequestFromExchange rebuilds a check input from a recorded exchange and
// its request body (exchange.Read gives both).
func RequestFromExchange(ex *exchange.Exchange, body []byte) (Request, error) {
	cert, err := ex.TLS.PeerCert()
	if err != nil {
		return Request{}, fmt.Errorf("exchange %s: %w", ex.ID, err)
	}
	var tooLarge *TooLarge
	if ex.TooLarge != nil {
		tooLarge = &TooLarge{Limit: ex.TooLarge.Limit, Declared: ex.TooLarge.Declared}
	}
	return Request{Message: NewMessage(ex.Request.Header, body, cert, tooLarge), Exchange: ex.ID, At: ex.Received}, nil
}

// Difference is a recorded check that does not reproduce.
type Difference struct {
	Scenario, Step, Check, Exchange string
	Recorded, Now                   result.Status
	RecordedMessage, NowMessage     string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s/%s %s (%s): recorded %s %q, now %s %q", d.Scenario, d.Step, d.Check, d.Exchange,
		d.Recorded, d.RecordedMessage, d.Now, d.NowMessage)
}

// Reevaluate recomputes, from the exchange files under dir alone, every
// request check, matcher and behaviour check (retry storm, timeout,
// recovery) recorded in run, and returns those that do not reproduce
// (status or message). The suite and contracts in e must be the ones the
// run used. Checks on requests no step awaited (role "unexpected", in a step
// or the run) and producer-mode checks are not re-evaluated. A call the
// platform refused (a check with a platform log line) is re-derived from its
// line in the run's result.PlatformLogFile (RecheckRefused).
func (e *Env) Reevaluate(dir string, run *result.Run) ([]Difference, error) {
	var diffs []Difference
	lines, err := PlatformLines(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", result.PlatformLogFile, err)
	}
	refused := func(scenarioID, stepID string, i int, rec result.Check) {
		if why := e.RecheckRefused(run, lines, i, rec); why != "" {
			diffs = append(diffs, Difference{Scenario: scenarioID, Step: stepID, Check: rec.ID, Exchange: result.PlatformLogFile,
				Recorded: rec.Status, RecordedMessage: rec.Message, NowMessage: why})
		}
	}
	for _, c := range run.Unexpected {
		if c.PlatformLine > 0 {
			refused("", "", -1, c)
		}
	}
	for i, scr := range run.Scenarios {
		sc := e.scenario(scr.ID)
		if sc == nil {
			return nil, fmt.Errorf("scenario %s is in the results but not in suite %s", scr.ID, e.Suite.ID)
		}
		for _, str := range scr.Steps {
			st := stepByID(sc, str.ID)
			if st == nil {
				return nil, fmt.Errorf("step %s/%s is in the results but not in the suite", scr.ID, str.ID)
			}
			now, err := e.recompute(dir, sc, st, str)
			if err != nil {
				return nil, err
			}
			for _, rec := range str.Checks {
				if rec.PlatformLine > 0 {
					refused(scr.ID, str.ID, i, rec)
					continue
				}
				key := rec.ID + "@" + rec.Exchange
				n, ok := now[key]
				if !ok {
					continue // not a check that can be recomputed from files
				}
				if n.Status != rec.Status || n.Message != rec.Message {
					diffs = append(diffs, Difference{Scenario: scr.ID, Step: str.ID, Check: rec.ID, Exchange: rec.Exchange,
						Recorded: rec.Status, Now: n.Status, RecordedMessage: rec.Message, NowMessage: n.Message})
				}
			}
		}
	}
	return diffs, nil
}

// recompute evaluates one step's checks from its exchange files, keyed by
// check id and exchange.
func (e *Env) recompute(dir string, sc *scenario.Scenario, st *scenario.Step, str *result.Step) (map[string]result.Check, error) {
	out := map[string]result.Check{}
	var stepEx *exchange.Exchange
	var repeats []time.Time
	for _, id := range str.Exchanges {
		ex, body, _, err := exchange.Read(dir, id)
		if err != nil {
			return nil, err
		}
		switch ex.Role {
		case exchange.RoleStep:
			stepEx = ex
			req, err := RequestFromExchange(ex, body)
			if err != nil {
				return nil, err
			}
			for _, c := range e.Request(req, sc, st) {
				out[c.ID+"@"+c.Exchange] = c
			}
		case exchange.RoleRepeat:
			repeats = append(repeats, ex.Received)
		}
	}
	if stepEx == nil {
		return out, nil
	}
	put := func(id string, s result.Status, msg string) {
		out[id+"@"+stepEx.ID] = result.Check{ID: id, Status: s, Message: msg}
	}
	if s, msg, ok := Repeats(stepEx.Fault != "", stepEx.Received, repeats, e.Suite.Defaults.Retry); ok {
		put(scenario.ReqNoRetryStorm, s, msg)
	}
	if stepEx.Fault == "timeout" {
		limit := e.Suite.Defaults.ConsumerTimeout.Or(30 * time.Second)
		s, msg := TimeoutHonoured(stepEx.Received, stepEx.ClientGone, limit, limit+HoldGrace(limit))
		put(scenario.ReqTimeoutHonoured, s, msg)
	}
	for _, c := range str.Checks {
		if c.ID == scenario.ReqKeepsWorking && c.Exchange == stepEx.ID {
			// The step's request is on file, so the consumer kept working
			// after the previous fault; the message names that fault.
			put(scenario.ReqKeepsWorking, result.Pass, c.Message)
		}
	}
	return out, nil
}

// HoldGrace is how much longer than the consumer's limit the harness holds
// a request it will not answer, before it gives up itself.
func HoldGrace(limit time.Duration) time.Duration {
	return max(time.Second, limit/5)
}

func (e *Env) scenario(id string) *scenario.Scenario {
	for _, sc := range e.Suite.Scenarios {
		if sc.ID == id {
			return sc
		}
	}
	return nil
}

func stepByID(sc *scenario.Scenario, id string) *scenario.Step {
	for _, st := range sc.Steps {
		if st.ID == id {
			return st
		}
	}
	return nil
}
