package reporttest

import (
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
)

// TestRealRun pins what the fixture run produces, which the report,
// evidence and CLI tests rely on.
func TestRealRun(t *testing.T) {
	t.Parallel()
	dir := RealRun(t)
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]result.Status{"R01": result.Pass, "R02": result.Pass, "R03": result.ManualPending, "R04": result.Fail}
	for _, sc := range run.Scenarios {
		if sc.Status != want[sc.ID] {
			t.Errorf("%s: %s, want %s", sc.ID, sc.Status, want[sc.ID])
		}
	}
	var failed []string
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.Status == result.Fail {
					failed = append(failed, sc.ID+"/"+c.ID)
				}
			}
		}
	}
	if len(failed) != 1 || failed[0] != "R04/RIV-RECV-02" {
		t.Fatalf("failed checks %v, want only R04/RIV-RECV-02", failed)
	}
	if run.Summary.ExchangeCount != 5 {
		t.Errorf("%d exchanges, want 5", run.Summary.ExchangeCount)
	}
}
