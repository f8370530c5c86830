package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// abortSuite writes a one-scenario suite whose first step has the given
// trigger (YAML flow text, "" for none) and whose second step expects a
// second request; defaults adds to the suite's defaults.
func abortSuite(t *testing.T, trigger, defaults string) *scenario.Suite {
	t.Helper()
	root := testutil.RepoRoot(t)
	resp := filepath.Join(root, "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml")
	trig := ""
	if trigger != "" {
		trig = "\n    trigger: " + trigger
	}
	return loadSuiteFiles(t, map[string]string{
		"suite.yaml": fmt.Sprintf(`id: abort
title: abort causes
contracts: %s
consumer: {hsa_id: SE2321000016-DEMOCONS}
defaults: {receiver: SE2321000016-CLIN, wait: 4s, consumer_timeout: 1s, settle: 200ms, retry: {observe: 200ms}%s}
requirements: [{id: A-1, text: the consumer fetches visits, impact: 3}]
scenarios: [s1.yaml, s2.yaml]
`, filepath.Join(root, "fixtures", "contracts", "demo_clinic_1.0"), defaults),
		"s1.yaml": fmt.Sprintf(`id: S1
title: first
requirements: [A-1]
likelihood: 2
steps:
  - id: first%s
    expect: {operation: GetVisits}
    respond: {vp_fault: VP007}
  - id: second
    expect: {operation: GetVisits}
    respond: {file: %s}
`, trig, resp),
		"s2.yaml": fmt.Sprintf(`id: S2
title: second
requirements: [A-1]
likelihood: 2
steps:
  - id: again
    expect: {operation: GetVisits}
    respond: {file: %s}
`, resp),
	})
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestAborted: a run that cannot proceed because the consumer or its
// environment is unreachable ends as aborted, with the reason, quickly and
// distinct from failed; a consumer that was reached and then misbehaved
// fails instead.
func TestAborted(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	tests := []struct {
		name     string
		trigger  string
		defaults string
		listen   string
		hook     func(c *goConsumer, a Await) error // nil: no hook
		aborted  []string                           // fragments of the reason; nil: not aborted
		output   string                             // the trigger output results.json keeps on the first step
		failed   string                             // a failed check's message fragment, when not aborted
		within   time.Duration                      // the run ends within this
	}{
		{name: "trigger command does not start", trigger: `{command: [./no-such-consumer, fetch]}`,
			aborted: []string{`trigger "./no-such-consumer fetch" could not start`, "no such file or directory"}, within: 3 * time.Second},
		{name: "trigger command exits non-zero before any request", trigger: `{command: [sh, -c, "echo backend down >&2; exit 3"]}`,
			aborted: []string{`trigger "sh -c echo backend down >&2; exit 3": exit status 3 (backend down), before any request reached the harness`},
			output:  "backend down\n", within: 3 * time.Second},
		// It used to wait out start_timeout and blame the environment
		// ("nothing connected ...: unreachable").
		{name: "trigger command exits 0 before any request", trigger: `{command: [sh, -c, "echo queued the fetch; exit 0"]}`, defaults: ", start_timeout: 60s",
			aborted: []string{`the trigger exited 0 without a request reaching the harness (trigger "sh -c echo queued the fetch; exit 0"; nothing came within 2s of its exit)`},
			output:  "queued the fetch\n", within: 10 * time.Second},
		{name: "HTTP trigger cannot connect", trigger: fmt.Sprintf(`{http: {url: "http://%s/fetch"}}`, closedPort(t)),
			aborted: []string{"trigger GET http://", "/fetch cannot connect", "connection refused"}, within: 3 * time.Second},
		{name: "listener cannot be bound", listen: busy.Addr().String(),
			aborted: []string{"the harness cannot listen", "address already in use"}, within: 2 * time.Second},
		{name: "nothing connects within the start timeout", defaults: ", start_timeout: 300ms",
			aborted: []string{"nothing connected to the harness within 300ms", "the consumer or its environment is unreachable"}, within: 3 * time.Second},
		{name: "consumer hook fails before any request", hook: func(*goConsumer, Await) error { return errors.New("consumer app not started") },
			aborted: []string{"consumer hook: consumer app not started, before any request reached the harness"}, within: 3 * time.Second},
		{name: "hook fails after a request: a failure, not an abort",
			hook: func(c *goConsumer, a Await) error {
				if a.Step.ID == "second" {
					return errors.New("crashed after the fault")
				}
				return c.call(context.Background())
			},
			failed: "no request within 4s", within: 30 * time.Second},
		{name: "unknown client CA: the consumer reached the harness, so it fails", defaults: ", start_timeout: 1s",
			hook:   func(c *goConsumer, _ Await) error { return c.call(context.Background()) },
			failed: "TLS handshake(s) failed meanwhile", within: 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite := abortSuite(t, tc.trigger, tc.defaults)
			out := t.TempDir()
			cert := p.good
			if strings.HasPrefix(tc.name, "unknown client CA") {
				cert = p.other
			}
			c := newGoConsumer(p, cert, time.Second)
			opts := Options{TLS: p.serverTLS(), Out: out, Listen: tc.listen, Scenarios: []string{"S1", "S2"}}
			if tc.hook != nil {
				opts.Await = func(_ context.Context, a Await) error { return tc.hook(c, a) }
			}
			h, err := New(suite, opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			startErr := h.Start(ctx)
			if (startErr != nil) != (tc.listen != "") {
				t.Fatalf("start: %v", startErr)
			}
			c.url = h.URL()
			began := time.Now()
			run, err := h.Run(ctx)
			took := time.Since(began)
			h.Close()
			if err != nil {
				t.Fatal(err)
			}
			if took > tc.within {
				t.Errorf("the run took %s, want it to end within %s", took, tc.within)
			}
			back, err := result.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if back.Aborted != run.Aborted || back.Finished.IsZero() {
				t.Errorf("results.json: aborted %q finished %v", back.Aborted, back.Finished)
			}
			if tc.aborted == nil {
				if run.Aborted != "" {
					t.Fatalf("aborted: %s", run.Aborted)
				}
				found := false
				for _, m := range failures(run) {
					found = found || strings.Contains(m, tc.failed)
				}
				if run.Status != result.Fail || !found {
					t.Fatalf("status %s failures %v, want a failure with %q", run.Status, failures(run), tc.failed)
				}
				return
			}
			for _, w := range tc.aborted {
				if !strings.Contains(run.Aborted, w) {
					t.Errorf("aborted %q, want %q", run.Aborted, w)
				}
			}
			output := ""
			if len(back.Scenarios) > 0 {
				output = back.Scenarios[0].Steps[0].TriggerOutput
			}
			if output != tc.output {
				t.Errorf("trigger output in results.json %q, want %q", output, tc.output)
			}
			// Aborted is not failed: nothing failed, nothing after the abort ran.
			if run.Summary.Checks.Fail != 0 || run.Status == result.Fail || len(run.Scenarios) > 1 {
				t.Errorf("status %s, checks %+v, %d scenario(s) in the results", run.Status, run.Summary.Checks, len(run.Scenarios))
			}
		})
	}
}
