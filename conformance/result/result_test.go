package result

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Run {
	return &Run{Scenarios: []*Scenario{
		{ID: "A", Steps: []*Step{
			{ID: "1", Checks: []Check{{ID: "c", Status: Pass}, {ID: "d", Status: Skip}}},
			{ID: "2", Manual: &Manual{Instruction: "look"}},
		}},
		{ID: "B", Steps: []*Step{
			{ID: "1", Checks: []Check{{ID: "c", Status: Pass}, {ID: "e", Status: Fail}}},
			{ID: "2", Manual: &Manual{Instruction: "look"}},
			{ID: "3", Manual: &Manual{Instruction: "look again"}},
		}},
		{ID: "C", Status: Skip},
	}}
}

func TestRecompute(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Recompute()
	got := []Status{r.Scenarios[0].Status, r.Scenarios[1].Status, r.Scenarios[2].Status, r.Status}
	want := []Status{ManualPending, Fail, Skip, Fail}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	if r.Summary.Checks != (Counts{Pass: 2, Fail: 1, Skip: 1}) || r.Summary.Steps.ManualPending != 3 {
		t.Fatalf("summary %+v", r.Summary)
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name                    string
		scenario, step, verdict string
		wantErr                 string
		wantScenario, wantRun   Status
	}{
		{name: "only pending step", scenario: "A", verdict: "pass", wantScenario: Pass, wantRun: Fail},
		{name: "manual fail fails the scenario", scenario: "A", verdict: "fail", wantScenario: Fail, wantRun: Fail},
		{name: "several pending need --step", scenario: "B", verdict: "pass", wantErr: "several manual steps awaiting a verdict (2 3)"},
		{name: "named step", scenario: "B", step: "3", verdict: "pass", wantScenario: Fail, wantRun: Fail},
		{name: "bad verdict", scenario: "A", verdict: "ok", wantErr: `verdict "ok"`},
		{name: "unknown scenario", scenario: "Z", verdict: "pass", wantErr: `scenario "Z" not in results`},
		{name: "no manual step", scenario: "C", verdict: "pass", wantErr: "no manual step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := sample()
			r.Recompute()
			st, err := r.Judge(tc.scenario, tc.step, tc.verdict, "seen", "tester", at)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Manual.Verdict != tc.verdict || st.Manual.Judge != "tester" || !st.Manual.JudgedAt.Equal(at) {
				t.Fatalf("manual %+v", st.Manual)
			}
			var sc *Scenario
			for _, s := range r.Scenarios {
				if s.ID == tc.scenario {
					sc = s
				}
			}
			if sc.Status != tc.wantScenario || r.Status != tc.wantRun {
				t.Fatalf("scenario %s run %s, want %s %s", sc.Status, r.Status, tc.wantScenario, tc.wantRun)
			}
		})
	}
}

func TestWriteReadAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := sample()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status != Fail || back.Format != Format || len(back.Scenarios) != 3 {
		t.Fatalf("read back %+v", back)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(`{"format":"other/9"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), `format "other/9"`) {
		t.Fatalf("foreign format accepted: %v", err)
	}
	if _, err := Read(t.TempDir()); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
