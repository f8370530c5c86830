package decision

import (
	"slices"
	"strings"
	"testing"
)

// FuzzLoadRules reads decision.yaml of any content: never a panic, every
// problem names the file, and accepted rules propose a valid outcome with
// a reason on any input. Seeds: testdata/fuzz/FuzzLoadRules.
func FuzzLoadRules(f *testing.F) {
	f.Add([]byte("rules:\n  - {id: ok, when: {otherwise: true}, outcome: approved}\n"))
	inputs := []Input{
		{},
		{Declared: true, Findings: []Finding{finding("F1", "R", "S1", 4, 4), finding("F2", "Q", "S2", 1, 2)}, Base: base},
		{Aborted: "gone", Open: []Open{open(OpenManual, "S1/x", 2, 2), open(OpenSkipped, "S1/y", 4, 4), open(OpenNotRun, "S2", 3, 3)}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := LoadRules("decision.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "decision.yaml") {
					t.Fatalf("a problem that names no file: %q", line)
				}
			}
			return
		}
		for _, in := range inputs {
			d := r.Propose(in, nil)
			if !slices.Contains(Outcomes(), d.Outcome) || len(d.Reasons) == 0 || d.LabelSV == "" {
				t.Fatalf("proposal %+v", d)
			}
			for _, dv := range d.Deviations {
				if in.Base.IsZero() == (dv.FixDeadline != "") {
					t.Fatalf("deviation %+v", dv)
				}
			}
		}
	})
}
