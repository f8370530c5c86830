package rundiff

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
)

func run(checks map[string]result.Status, unexpected ...string) *Side {
	r := &result.Run{Format: result.Format, Suite: result.SuiteRef{ID: "s"}, Started: time.Unix(0, 0)}
	byScenario := map[string]*result.Scenario{}
	for key, st := range checks {
		// key: scenario/step/check
		p := strings.Split(key, "/")
		sc := byScenario[p[0]]
		if sc == nil {
			sc = &result.Scenario{ID: p[0], Status: result.Skip}
			byScenario[p[0]] = sc
			r.Scenarios = append(r.Scenarios, sc)
		}
		sc.Steps = append(sc.Steps, &result.Step{ID: p[1], Status: result.Skip, Checks: []result.Check{{ID: p[2], Requirement: p[2], Status: st, Message: "m " + key}}})
	}
	for _, u := range unexpected {
		r.Unexpected = append(r.Unexpected, result.Check{ID: "RIV-STEP-01", Requirement: "RIV-STEP-01", Status: result.Fail, Message: u})
	}
	r.Recompute()
	return &Side{Path: "x", Run: r}
}

func keys(items []Item) string {
	var ks []string
	for _, it := range items {
		ks = append(ks, it.Key)
	}
	return strings.Join(ks, ",")
}

func TestCompare(t *testing.T) {
	t.Parallel()
	old := run(map[string]result.Status{"S1/a/X": result.Fail, "S1/b/Y": result.Fail, "S2/a/X": result.Pass, "S3/a/Z": result.Fail, "S4/a/Q": result.Fail,
		"S5/a/V": result.Fail, "S5/a/W": result.Fail, "S5/a/N": result.NotApplicable},
		"unexpected request: foo")
	new := run(map[string]result.Status{"S1/a/X": result.Pass, "S1/b/Y": result.Fail, "S2/a/X": result.Fail, "S4/b/R": result.Pass,
		"S5/a/V": result.Skip, "S5/a/W": result.NotApplicable, "S5/a/N": result.Pass})
	d := Compare(old, new)
	tests := []struct {
		name, got, want string
	}{
		{"fixed", keys(d.Fixed), "S1/a X,S4/a Q,unexpected unexpected request: foo"},
		{"new", keys(d.NewFailures), "S2/a X"},
		{"still", keys(d.StillFailing), "S1/b Y"},
		{"not retested: not run, not verified, no longer applies", keys(d.NotRetested), "S3/a Z,S5/a V,S5/a W"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	var b bytes.Buffer
	d.Write(&b)
	if !strings.Contains(b.String(), "fixed (3):\n  S1/a X: fail -> pass: m S1/a/X\n") {
		t.Fatalf("output:\n%s", b.String())
	}
}

// TestRecurringCheckID: a step with RIV-STEP-01 on its own request (pass)
// and on an unexpected one after it (fail) fails that key, whatever the
// order.
func TestRecurringCheckID(t *testing.T) {
	t.Parallel()
	for _, order := range [][]result.Status{{result.Pass, result.Fail}, {result.Fail, result.Pass}} {
		r := run(map[string]result.Status{"S1/a/RIV-STEP-01": order[0]})
		st := r.Run.Scenarios[0].Steps[0]
		st.Checks = append(st.Checks, result.Check{ID: "RIV-STEP-01", Requirement: "RIV-STEP-01", Status: order[1], Message: "unexpected request after the scenario's last step: x"})
		got, _ := items(r)
		if e := got["S1/a RIV-STEP-01"]; e.status != result.Fail {
			t.Errorf("order %v: %s", order, e.status)
		}
	}
}
