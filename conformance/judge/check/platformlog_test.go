package check

import (
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// TestRefused: which logged calls are the consumer's refused ones, and the
// requirement and status each becomes.
func TestRefused(t *testing.T) {
	t.Parallel()
	e := testEnv(t, nil)
	cons := e.Suite.Consumer.HSAID
	tests := []struct {
		name                   string
		sender, original, code string
		detail, kind           string
		refused                bool
		req                    string
		status                 result.Status
	}{
		{name: "no receiver", sender: cons, code: "VP003", refused: true, req: scenario.ReqReceiverPresent, status: result.Fail},
		{name: "whitespace receiver", sender: cons, code: "VP004", detail: "serviceNamespace: x, receiverId: R . Whitespace detected in incoming request!", refused: true, req: scenario.ReqReceiverSpace, status: result.Fail},
		{name: "no route", sender: cons, code: "VP004", detail: "serviceNamespace: x, receiverId: R", refused: true, req: scenario.ReqExpectedRequest, status: result.Fail},
		{name: "not authorised", sender: cons, code: "VP007", refused: true, req: scenario.ReqExpectedRequest, status: result.Fail},
		{name: "original consumer header not allowed", sender: cons, code: "VP013", refused: true, req: scenario.ReqOriginalConsumer, status: result.Fail},
		{name: "through another platform", sender: "SE-OTHERPLATFORM", original: strings.ToLower(cons), code: "VP007", refused: true, req: scenario.ReqExpectedRequest, status: result.Fail},
		{name: "the platform's own trouble", sender: cons, code: "VP008", refused: true, req: scenario.ReqExpectedRequest, status: result.Skip},
		{name: "producer unreachable: reached the harness's side", sender: cons, code: "VP009"},
		{name: "answered", sender: cons},
		{name: "another consumer", sender: "SE-SOMEONE", code: "VP007"},
		{name: "a wsdl request", sender: cons, code: "VP004", kind: "wsdl"},
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kind := tc.kind
			if kind == "" {
				kind = exchangelog.KindService
			}
			x := &exchangelog.Entry{Time: at, Kind: kind, Sender: tc.sender, OriginalConsumer: tc.original, VPCode: tc.code,
				FaultDetail: tc.detail, Status: 500, CorrelationID: "c1", Receiver: "R"}
			if got := RefusedBy(x, cons); got != tc.refused {
				t.Fatalf("RefusedBy %v, want %v", got, tc.refused)
			}
			if !tc.refused {
				return
			}
			c := e.Refused(x, 3, e.Suite.Scenarios[0])
			if c.ID != tc.req || c.Requirement != tc.req || c.Status != tc.status || c.PlatformLine != 3 || c.Impact == 0 ||
				!strings.Contains(c.Message, tc.code) || !strings.Contains(c.Message, result.PlatformLogFile+" line 3") {
				t.Errorf("check %+v", c)
			}
		})
	}
}

// TestRefusedWindow: a line logged in whole seconds may belong to any
// scenario its second overlaps; after the last one it belongs to the run.
func TestRefusedWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &result.Run{Scenarios: []*result.Scenario{
		{ID: "A", Started: t0, Finished: t0.Add(1500 * time.Millisecond)},
		{ID: "B", Started: t0.Add(1600 * time.Millisecond), Finished: t0.Add(3 * time.Second)},
	}}
	tests := []struct {
		name  string
		at    time.Time
		ms    float64
		inA   bool
		inB   bool
		after bool
	}{
		{name: "whole second inside A", at: t0, inA: true},
		{name: "second straddling A and B", at: t0.Add(time.Second), inA: true, inB: true},
		{name: "millisecond time inside B", at: t0.Add(2100 * time.Millisecond), inB: true},
		{name: "after the last", at: t0.Add(3500 * time.Millisecond), after: true},
		{name: "before the first scenario", at: t0.Add(-500 * time.Millisecond), ms: 1},
		{name: "ended in A, begun before it", at: t0.Add(200 * time.Millisecond), ms: 400, inA: true},
	}
	for _, tc := range tests {
		x := &exchangelog.Entry{Time: tc.at, TotalMS: tc.ms}
		if got := InScenario(run, 0, x); got != tc.inA {
			t.Errorf("%s: in A %v", tc.name, got)
		}
		if got := InScenario(run, 1, x); got != tc.inB {
			t.Errorf("%s: in B %v", tc.name, got)
		}
		if got := AfterScenarios(run, x); got != tc.after {
			t.Errorf("%s: after %v", tc.name, got)
		}
	}
}

// TestRecheckRefused: a recorded refusal reproduces from its line in its
// scenario or after the last; a line in another scenario's time, another
// consumer's line or an edited one does not.
func TestRecheckRefused(t *testing.T) {
	t.Parallel()
	e := testEnv(t, nil)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &result.Run{Scenarios: []*result.Scenario{
		{ID: e.Suite.Scenarios[0].ID, Started: t0, Finished: t0.Add(3 * time.Second)},
		{ID: e.Suite.Scenarios[1].ID, Started: t0.Add(3 * time.Second), Finished: t0.Add(6 * time.Second)},
	}}
	line := func(at time.Time, sender, code string) []byte {
		return []byte(`{"message":"exchange","kind":"service","time":"` + at.Format(time.RFC3339) + `","sender":"` + sender +
			`","receiver":"R","status":500,"vp_code":"` + code + `","fault_detail":"Authorization missing","correlation_id":"c","total_ms":2}`)
	}
	cons := e.Suite.Consumer.HSAID
	lines := [][]byte{nil, line(t0.Add(time.Second), cons, "VP007"), line(t0.Add(8*time.Second), cons, "VP007"), line(t0.Add(time.Second), "SE-OTHER", "VP007")}
	recorded := func(n, i int) result.Check {
		x, err := exchangelog.Parse(lines[n], n)
		if err != nil {
			t.Fatal(err)
		}
		var sc *scenario.Scenario
		if i >= 0 {
			sc = e.Suite.Scenarios[i]
		}
		return e.Refused(x, n, sc)
	}
	edited := recorded(1, 0)
	edited.Message = strings.Replace(edited.Message, "VP007", "VP006", 1)
	tests := []struct {
		name string
		i    int
		c    result.Check
		want string // "" reproduces
	}{
		{"in its scenario", 0, recorded(1, 0), ""},
		{"after the last scenario", -1, recorded(2, -1), ""},
		{"in another scenario's time", 1, recorded(1, 1), "is not in the time of scenario"},
		{"said to be after the last", -1, recorded(1, -1), "recorded after the last scenario but is not"},
		{"another consumer's line", 0, recorded(3, 0), "not a call the platform refused from consumer"},
		{"message edited", 0, edited, "gives RIV-STEP-01 fail"},
		{"no such line", 0, result.Check{PlatformLine: 9}, "line 9 is not in the file"},
	}
	for _, tc := range tests {
		if got := e.RecheckRefused(run, lines, tc.i, tc.c); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
