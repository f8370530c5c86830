package result

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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

func TestExchangeIDs(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Scenarios[0].Steps[0].Exchanges = []string{"exchanges/0001", "exchanges/0002"}
	r.Scenarios[1].Steps[1].Exchanges = []string{"exchanges/0004"}
	r.Unexpected = []Check{{ID: "unexpected", Exchange: "exchanges/0003"}}
	want := []string{"exchanges/0001", "exchanges/0002", "exchanges/0004", "exchanges/0003"}
	if got := r.ExchangeIDs(); !slices.Equal(got, want) {
		t.Fatalf("ExchangeIDs %v, want %v", got, want)
	}
	if got := (&Run{}).ExchangeIDs(); len(got) != 0 {
		t.Fatalf("empty run names %v", got)
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name                    string
		scenario, step, verdict string
		wantErr                 string
		wantIs                  error // the sentinel wantErr wraps, if any
		wantScenario, wantRun   Status
	}{
		{name: "only pending step", scenario: "A", verdict: "pass", wantScenario: Pass, wantRun: Fail},
		{name: "manual fail fails the scenario", scenario: "A", verdict: "fail", wantScenario: Fail, wantRun: Fail},
		{name: "several pending need a step named", scenario: "B", verdict: "pass", wantErr: "scenario B has several manual steps awaiting a verdict (2 3)", wantIs: ErrSeveralPending},
		{name: "named step", scenario: "B", step: "3", verdict: "pass", wantScenario: Fail, wantRun: Fail},
		{name: "bad verdict", scenario: "A", verdict: "ok", wantErr: `verdict "ok"`},
		{name: "unknown scenario", scenario: "Z", verdict: "pass", wantErr: `scenario "Z" not in results`},
		{name: "no manual step", scenario: "C", verdict: "pass", wantErr: "no manual step", wantIs: ErrNoManualStep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := sample()
			r.Recompute()
			st, err := r.Judge(Judgement{Scenario: tc.scenario, Step: tc.step, Verdict: tc.verdict, Note: "seen", By: "tester", At: at})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("err %v is not %v", err, tc.wantIs)
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

// TestNotApplicable: n/a is counted apart from skip and is the weakest
// status, so a step of only n/a checks is n/a and one n/a among passes
// leaves the step passing.
func TestNotApplicable(t *testing.T) {
	t.Parallel()
	r := &Run{Scenarios: []*Scenario{{ID: "A", Steps: []*Step{
		{ID: "1", Checks: []Check{{ID: "c", Status: Pass}, {ID: "d", Status: NotApplicable}}},
		{ID: "2", Checks: []Check{{ID: "c", Status: NotApplicable}}},
		{ID: "3", Checks: []Check{{ID: "c", Status: NotApplicable}, {ID: "d", Status: Skip}}},
	}}}}
	r.Recompute()
	st := r.Scenarios[0].Steps
	if st[0].Status != Pass || st[1].Status != NotApplicable || st[2].Status != Skip || r.Status != Pass {
		t.Fatalf("statuses %s %s %s run %s", st[0].Status, st[1].Status, st[2].Status, r.Status)
	}
	if r.Summary.Checks != (Counts{Pass: 1, Skip: 1, NotApplicable: 3}) || r.Summary.Steps != (Counts{Pass: 1, Skip: 1, NotApplicable: 1}) {
		t.Fatalf("summary %+v", r.Summary)
	}
	if Worst() != Skip || Worst(NotApplicable, Skip) != Skip || Worst(NotApplicable) != NotApplicable {
		t.Fatal("Worst order")
	}
}

// TestReadFormatV1: results of format 1 (skip for n/a too) are read as
// format 2: the exact messages format 1 wrote for checks that did not
// apply become n/a; other skips stay "could not verify".
func TestReadFormatV1(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v1 := `{"format": "rivgate-conformance-results/1", "tool": {"name": "rivgate", "version": "old"}, "mode": "consumer",
 "suite": {"id": "s", "title": "t", "dir": "/x"}, "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:00Z",
 "requirements": [], "status": "pass", "summary": {"scenarios": {}, "steps": {}, "checks": {}, "exchanges": 0},
 "scenarios": [{"id": "A", "title": "a", "file": "a.yaml", "likelihood": 2, "requirements": [], "status": "pass", "steps": [
  {"index": 1, "id": "1", "status": "pass", "checks": [
   {"id": "RIV-RECV-02", "requirement": "RIV-RECV-02", "impact": 3, "status": "skip", "message": "no receiver"},
   {"id": "RIV-HDR-01", "requirement": "RIV-HDR-01", "impact": 3, "status": "skip", "message": "not required by the suite and not sent"},
   {"id": "RIV-HTTP-01", "requirement": "RIV-HTTP-01", "impact": 2, "status": "skip", "message": "skipped by the suite"},
   {"id": "RIV-XSD-01", "requirement": "RIV-XSD-01", "impact": 4, "status": "skip", "message": "no XSD validator configured"},
   {"id": "RIV-CERT-01", "requirement": "RIV-CERT-01", "impact": 4, "status": "pass", "message": "ok"}]}]}]}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []Status
	for _, c := range r.Scenarios[0].Steps[0].Checks {
		got = append(got, c.Status)
	}
	want := []Status{NotApplicable, NotApplicable, NotApplicable, Skip, Pass}
	if !slices.Equal(got, want) || r.Format != Format || r.Summary.Checks.NotApplicable != 3 || len(r.Notes) != 1 {
		t.Fatalf("read %v format %s summary %+v notes %v, want %v", got, r.Format, r.Summary.Checks, r.Notes, want)
	}
}
