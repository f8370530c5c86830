package workbench_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// TestRunInProgress: the page of a run without a finished time reloads
// itself and shows each scenario as the run writes it; a finished run's
// page, and one whose run stopped writing long ago, do not reload.
func TestRunInProgress(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "live")
	dir := filepath.Join(runs, "live")
	full, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Scenarios) < 2 {
		t.Fatalf("fixture run has %d scenarios, want 2 or more", len(full.Scenarios))
	}
	write := func(n int, finished bool) {
		t.Helper()
		run, err := result.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		run.Scenarios = full.Scenarios[:n]
		run.Finished = time.Time{}
		if finished {
			run.Finished = full.Finished
		}
		if err := result.Write(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	shown := func(body, id string) bool {
		return strings.Contains(section(body, "scenarios"), "</span> "+id+" ")
	}
	const refresh = `<meta http-equiv="refresh"`

	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove", "")
	first, second := full.Scenarios[0].ID, full.Scenarios[1].ID
	for _, tc := range []struct {
		name        string
		scenarios   int
		finished    bool
		age         time.Duration
		wantRefresh bool
		wantBanner  string
	}{
		{"first scenario written", 1, false, 0, true, `id="live"`},
		{"second scenario written", 2, false, 0, true, `id="live"`},
		{"killed long ago", 2, false, time.Hour, false, `id="stalled"`},
		{"finished", len(full.Scenarios), true, 0, false, ""},
	} {
		write(tc.scenarios, tc.finished)
		if tc.age > 0 {
			old := time.Now().Add(-tc.age)
			if err := os.Chtimes(filepath.Join(dir, result.FileName), old, old); err != nil {
				t.Fatal(err)
			}
		}
		_, body := c.Get("/runs/live/")
		if got := strings.Contains(body, refresh); got != tc.wantRefresh {
			t.Errorf("%s: page reloads = %v, want %v", tc.name, got, tc.wantRefresh)
		}
		if tc.wantBanner != "" && !strings.Contains(body, tc.wantBanner) {
			t.Errorf("%s: no %s banner", tc.name, tc.wantBanner)
		}
		if tc.wantBanner == "" && (strings.Contains(body, `id="live"`) || strings.Contains(body, `id="stalled"`)) {
			t.Errorf("%s: a finished run is shown as in progress", tc.name)
		}
		if !shown(body, first) {
			t.Errorf("%s: scenario %s not shown", tc.name, first)
		}
		if got := shown(body, second); got != (tc.scenarios >= 2) {
			t.Errorf("%s: scenario %s shown = %v with %d scenario(s) written", tc.name, second, got, tc.scenarios)
		}
	}
	// Other pages never reload.
	if _, body := c.Get("/"); strings.Contains(body, refresh) {
		t.Errorf("the runs list reloads")
	}
}
