package harness

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/testutil"
)

// otherContract is a request for a contract no step of the behaviour
// suite expects.
var otherContract = strings.NewReplacer("GetVisitsResponder:1", "GetVisitsResponder:9").Replace(goodEnvelope)

// TestSurplusRequestsStayInTheirScenario: what a consumer sends after a
// step's answer is judged in the scenario it arrived in (here HAPPY, the
// behaviour suite's first), never in the next one, which a well-behaved
// second half of the consumer then passes clean. The harness used to hold
// such requests for the next steps, so VP007 took them as its own.
func TestSurplusRequestsStayInTheirScenario(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	tests := []struct {
		name  string
		extra []string // bodies the consumer sends right after HAPPY's answer
		want  map[string]string
		roles []string // roles of HAPPY's exchanges
	}{
		{name: "retry storm after an OK answer", extra: []string{goodEnvelope, goodEnvelope, goodEnvelope},
			want:  map[string]string{"HAPPY/get-visits/RIV-BEH-01": "retry storm: 3 repeats after the answer"},
			roles: []string{exchange.RoleStep, exchange.RoleRepeat, exchange.RoleRepeat, exchange.RoleRepeat}},
		{name: "a request no step expects", extra: []string{otherContract},
			want:  map[string]string{"HAPPY/get-visits/RIV-STEP-01": `unexpected request after the scenario's last step: {urn:riv:demo:clinic:GetVisitsResponder:9}GetVisits to "SE2321000016-CLIN"`},
			roles: []string{exchange.RoleStep, exchange.RoleUnexpected}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newGoConsumer(p, p.good, 2*time.Second)
			out := t.TempDir()
			run := runHarness(t, loadBehaviourSuite(t), Options{TLS: p.serverTLS(), Out: out, Scenarios: []string{"HAPPY", "VP007"},
				Await: func(ctx context.Context, a Await) error {
					if err := c.call(ctx); err != nil || a.Scenario.ID != "HAPPY" {
						return err
					}
					for _, b := range tc.extra {
						// Its own consumer: the next scenario's hook may
						// already run c.
						extra := newGoConsumer(p, p.good, 2*time.Second)
						extra.url, extra.body = c.url, func() []byte { return []byte(b) }
						if err := extra.call(ctx); err != nil {
							return err
						}
					}
					return nil
				}}, c, time.Minute)
			got := failures(run)
			if !slices.Equal(keys(got), keys(tc.want)) {
				t.Fatalf("failed checks %q, want %q: %v", keys(got), keys(tc.want), got)
			}
			for k, frag := range tc.want {
				if !strings.Contains(got[k], frag) {
					t.Errorf("%s: %q, want %q", k, got[k], frag)
				}
			}
			var roles []string
			for _, id := range run.Scenarios[0].Steps[0].Exchanges {
				ex, _, _, err := exchange.Read(out, id)
				if err != nil {
					t.Fatal(err)
				}
				roles = append(roles, ex.Role)
			}
			if !slices.Equal(roles, tc.roles) {
				t.Errorf("HAPPY's exchanges have roles %q, want %q", roles, tc.roles)
			}
			for _, st := range run.Scenarios[1].Steps {
				if len(st.Exchanges) != 1 {
					t.Errorf("VP007/%s has exchanges %q, want only its own request", st.ID, st.Exchanges)
				}
			}
			if len(run.Unexpected) != 0 {
				t.Errorf("unexpected in the run: %+v", run.Unexpected)
			}
		})
	}
}

// TestRequestsAfterTheRun: a request after the last scenario, once Run has
// returned, is answered and recorded, and is a finding in results.json
// (Close adds it) and in the report. It used to be recorded (and signed
// into the bundle) with no finding anywhere.
func TestRequestsAfterTheRun(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadBehaviourSuite(t)
	out := t.TempDir()
	c := newGoConsumer(p, p.good, 2*time.Second)
	h, err := New(suite, Options{TLS: p.serverTLS(), Out: out, Scenarios: []string{"HAPPY"}, Await: c.await})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.url = h.URL()
	run, err := h.Run(ctx)
	if err != nil {
		h.Close()
		t.Fatal(err)
	}
	if len(run.Unexpected) != 0 || run.Status != result.Pass {
		h.Close()
		t.Fatalf("before the late request: %s %+v", run.Status, run.Unexpected)
	}
	if err := c.call(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := result.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Unexpected) != 1 || back.Status != result.Fail || back.Finished.IsZero() {
		t.Fatalf("results.json: %s, unexpected %+v", back.Status, back.Unexpected)
	}
	u := back.Unexpected[0]
	if !strings.Contains(u.Message, "unexpected request after the last scenario: {urn:riv:demo:clinic:GetVisitsResponder:1}GetVisits") {
		t.Errorf("finding %q", u.Message)
	}
	if _, err := os.Stat(filepath.Join(out, u.Exchange)); err != nil {
		t.Errorf("its exchange: %v", err)
	}
	if len(run.Unexpected) != 1 {
		t.Errorf("the run Run returned has %d unexpected after Close, want 1", len(run.Unexpected))
	}
	in, err := report.Load(out, filepath.Join(testutil.RepoRoot(t), "conformance", "run", "harness", "testdata", "behaviour"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.Kind == "unexpected" && f.Exchange == u.Exchange
	}
	if !found {
		t.Fatalf("the report has no finding for %s: %+v", u.Exchange, rep.Findings)
	}
}
