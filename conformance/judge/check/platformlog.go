package check

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// Behind a platform, a call the gateway refuses (a VP fault of its own)
// never reaches the harness: its only trace is the gateway's exchange log
// line. These checks turn such a line into a finding, from the line alone,
// so the harness (as it runs) and a verifier (from the bundled copy of the
// line) derive the same check.

// RefusedBy reports whether x is a call the platform refused before it
// reached the producer (the harness), made by consumer: a service call with
// a VP code of the gateway's own other than VP009 (which it answers after
// trying the producer), whose sender or original consumer is consumer.
func RefusedBy(x *exchangelog.Entry, consumer string) bool {
	if x.Kind != exchangelog.KindService || x.VPCode == "" || x.VPCode == vpfault.VP009.String() || consumer == "" {
		return false
	}
	return strings.EqualFold(x.Sender, consumer) || strings.EqualFold(x.OriginalConsumer, consumer)
}

// platformOwn are the VP faults that are the platform's own trouble (its
// configuration or state), not something the consumer sent.
var platformOwn = map[vpfault.Code]bool{
	vpfault.VP006: true, vpfault.VP008: true, vpfault.VP010: true, vpfault.VP012: true, vpfault.VP014: true,
}

// refusalRequirement is the requirement a platform refusal breaks: the
// receiver's for VP003 and VP004 (whitespace), the profile's for VP001 and
// VP005, the certificate's for VP002, the original-consumer header's for
// VP013, the envelope's for VP015; otherwise (no route, not authorised, not
// over TLS) the consumer did not send the request the scenario expects.
func refusalRequirement(code vpfault.Code, detail string) string {
	switch code {
	case vpfault.VP003:
		return scenario.ReqReceiverPresent
	case vpfault.VP004:
		if strings.Contains(detail, "Whitespace detected") {
			return scenario.ReqReceiverSpace
		}
	case vpfault.VP001, vpfault.VP005:
		return scenario.ReqProfile
	case vpfault.VP002:
		return scenario.ReqClientCert
	case vpfault.VP013:
		return scenario.ReqOriginalConsumer
	case vpfault.VP015:
		return scenario.ReqSOAPEnvelope
	}
	return scenario.ReqExpectedRequest
}

// Refused is the check for x, a call the platform refused (RefusedBy), at
// line n of the run's result.PlatformLogFile, in scenario sc (nil: after
// the last). It fails, unless the fault is the platform's own trouble:
// then nothing of the consumer was verified (skip).
func (e *Env) Refused(x *exchangelog.Entry, n int, sc *scenario.Scenario) result.Check {
	code, err := vpfault.ParseCode(x.VPCode)
	req, status := scenario.ReqExpectedRequest, result.Fail
	if err == nil {
		req = refusalRequirement(code, x.FaultDetail)
		if platformOwn[code] {
			status = result.Skip
		}
	}
	msg := fmt.Sprintf("the platform refused the call with %s (HTTP %d) before it reached the harness: %s", x.VPCode, x.Status, x.FaultDetail)
	if x.Receiver != "" {
		msg += fmt.Sprintf("; receiver %q", x.Receiver)
	}
	msg += fmt.Sprintf("; sender %q", x.Sender)
	if x.OriginalConsumer != "" {
		msg += fmt.Sprintf(", original consumer %q", x.OriginalConsumer)
	}
	msg += fmt.Sprintf("; correlation id %s (%s line %d)", x.CorrelationID, result.PlatformLogFile, n)
	if status == result.Skip {
		msg += "; the platform's own fault: nothing of the consumer was verified"
	}
	c := e.check(Request{At: x.Time}, sc, req, req, status, msg)
	c.PlatformLine = n
	return c
}

// Window is when a logged call may have happened: from its start (the
// line's time less its duration) until its time plus the time's precision
// (the gateway logs whole seconds by default).
func Window(x *exchangelog.Entry) (from, to time.Time) {
	prec := time.Millisecond
	if x.Time.Nanosecond() == 0 {
		prec = time.Second
	}
	return x.Start(), x.Time.Add(prec)
}

// ScenarioWindow is the time scenario i of run held: from its start until
// the next one's (the last until it finished). ok is false for a scenario
// that did not start.
func ScenarioWindow(run *result.Run, i int) (from, to time.Time, ok bool) {
	sc := run.Scenarios[i]
	if sc.Started.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	to = sc.Finished
	if i+1 < len(run.Scenarios) && !run.Scenarios[i+1].Started.IsZero() {
		to = run.Scenarios[i+1].Started
	}
	if to.IsZero() {
		to = time.Now() // still running
	}
	return sc.Started, to, true
}

// overlaps reports whether [a1,a2) and [b1,b2) share a moment.
func overlaps(a1, a2, b1, b2 time.Time) bool { return a1.Before(b2) && b1.Before(a2) }

// InScenario reports whether the logged call x may have happened during
// scenario i of run (its window overlaps the scenario's).
func InScenario(run *result.Run, i int, x *exchangelog.Entry) bool {
	from, to, ok := ScenarioWindow(run, i)
	if !ok {
		return false
	}
	xf, xt := Window(x)
	return overlaps(xf, xt, from, to)
}

// AfterScenarios reports whether x may have happened after run's last
// scenario ended.
func AfterScenarios(run *result.Run, x *exchangelog.Entry) bool {
	last := time.Time{}
	if n := len(run.Scenarios); n > 0 {
		last = run.Scenarios[n-1].Finished
	}
	_, to := Window(x)
	return last.IsZero() || to.After(last)
}

// PlatformLines reads the run directory's result.PlatformLogFile: its
// lines, 1-based (index 0 is unused). A missing file is no lines.
func PlatformLines(dir string) ([][]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, result.PlatformLogFile))
	if os.IsNotExist(err) {
		return [][]byte{nil}, nil
	}
	if err != nil {
		return nil, err
	}
	out := [][]byte{nil}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out, sc.Err()
}

// RecheckRefused re-derives a recorded refusal check c of scenario i
// (-1: after the last scenario) from its line: the line must be a call the
// platform refused from the run's consumer, in that scenario's time, and
// give the same check. It returns what differs ("" for nothing).
func (e *Env) RecheckRefused(run *result.Run, lines [][]byte, i int, c result.Check) string {
	n := c.PlatformLine
	if n < 1 || n >= len(lines) {
		return fmt.Sprintf("%s line %d is not in the file (%d lines)", result.PlatformLogFile, n, len(lines)-1)
	}
	x, err := exchangelog.Parse(lines[n], n)
	if err != nil {
		return fmt.Sprintf("%s: %v", result.PlatformLogFile, err)
	}
	if !RefusedBy(x, e.Suite.Consumer.HSAID) {
		return fmt.Sprintf("%s line %d is not a call the platform refused from consumer %s", result.PlatformLogFile, n, e.Suite.Consumer.HSAID)
	}
	var sc *scenario.Scenario
	if i >= 0 {
		if !InScenario(run, i, x) {
			return fmt.Sprintf("%s line %d (%s) is not in the time of scenario %s", result.PlatformLogFile, n, x.Time.Format(time.RFC3339Nano), run.Scenarios[i].ID)
		}
		sc = e.scenario(run.Scenarios[i].ID)
	} else if !AfterScenarios(run, x) {
		return fmt.Sprintf("%s line %d (%s) is recorded after the last scenario but is not", result.PlatformLogFile, n, x.Time.Format(time.RFC3339Nano))
	}
	want := e.Refused(x, n, sc)
	if want.ID != c.ID || want.Requirement != c.Requirement || want.Status != c.Status || want.Message != c.Message || want.Impact != c.Impact {
		return fmt.Sprintf("%s line %d gives %s %s %q, recorded %s %s %q", result.PlatformLogFile, n, want.ID, want.Status, want.Message, c.ID, c.Status, c.Message)
	}
	return ""
}
