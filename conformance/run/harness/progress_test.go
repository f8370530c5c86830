package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestResultsWrittenStepByStep: when the consumer is asked for a step's
// request, results.json already holds the scenario's earlier steps, done,
// so a reader follows the run step by step.
func TestResultsWrittenStepByStep(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	c := newGoConsumer(p, p.good, 5*time.Second)
	out := t.TempDir()
	var mu sync.Mutex // the hook runs on the trigger's goroutine
	var seen []string // what results.json held at each later step's await
	await := func(ctx context.Context, a Await) error {
		if a.Index > 0 {
			held := "no scenario"
			run, err := result.Read(out)
			switch {
			case err != nil:
				held = err.Error()
			case len(run.Scenarios) > 0:
				sc := run.Scenarios[len(run.Scenarios)-1]
				done := 0
				for _, st := range sc.Steps {
					if !st.Finished.IsZero() {
						done++
					}
				}
				held = fmt.Sprintf("%s %d/%d done", sc.ID, done, a.Index)
			}
			mu.Lock()
			seen = append(seen, held)
			mu.Unlock()
		}
		return c.await(ctx, a)
	}
	runHarness(t, suite, Options{TLS: p.serverTLS(), Out: out, Scenarios: []string{"S03"}, Await: await}, c, 60*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "S03 2/2 done" {
		t.Fatalf("results.json when S03's third step awaited its request: %q, want its two earlier steps done", seen)
	}
}
